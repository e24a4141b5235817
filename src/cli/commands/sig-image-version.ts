/**
 * `kiln sig image-version`: gallery image versions, as `az sig image-version`; create and update
 * show each target region's replication progress (read with `$expand=ReplicationStatus`).
 */
import { UsageError, type Args, type Flag } from '../arm/args.ts';
import type { ArmClient, Watch } from '../arm/arm-client.ts';
import type { Context, GroupSpec } from '../arm/command.ts';
import {
  createCommand,
  deleteCommand,
  exampleNames,
  listCommand,
  nameFlags,
  resolveSource,
  resourceId,
  resourcePath,
  showCommand,
  TAGS,
  tagsOf,
  waiting,
} from '../arm/resources.ts';
import type { Session } from '../arm/session.ts';
import { DISK, SNAPSHOT } from './disk.ts';
import { IMAGE } from './image.ts';
import { GALLERY_LOCATION, VERSION } from './sig-kinds.ts';

const API = VERSION.apiVersion;
const names = exampleNames(VERSION);
const STORAGE_TYPES = ['Standard_LRS', 'Standard_ZRS', 'Premium_LRS'];

/** The publishing flags create and update share. */
const PUBLISHING: Flag[] = [
  {
    name: 'target-regions',
    kind: 'list',
    help: "Space-separated regions to replicate to, each <region>[=<replica count>][=<storage account type>]. Default: the version's own region.",
  },
  { name: 'replica-count', help: 'The default number of replicas per region.' },
  { name: 'exclude-from-latest', kind: 'bool', help: "Exclude this version from 'latest'." },
  { name: 'end-of-life-date', help: 'The end of life date, e.g. 2030-12-31.' },
  { name: 'storage-account-type', values: STORAGE_TYPES, help: 'The default storage account type of the replicas.' },
];

function targetRegions(args: Args) {
  return args.list('target-regions')?.map((entry) => {
    const [name, count, storageAccountType, ...extra] = entry.split('=');
    if (!name || extra.length > 0 || (count !== undefined && count !== '' && !/^\d+$/.test(count))) {
      throw new UsageError(
        `argument --target-regions: '${entry}' is not <region>[=<replica count>][=<storage account type>]`,
      );
    }
    const type =
      storageAccountType === undefined
        ? undefined
        : STORAGE_TYPES.find((t) => t.toLowerCase() === storageAccountType.toLowerCase());
    if (storageAccountType !== undefined && !type)
      throw new UsageError(
        `argument --target-regions: storage account type '${storageAccountType}' is not one of ${STORAGE_TYPES.join(', ')}`,
      );
    return { name, regionalReplicaCount: count ? Number(count) : undefined, storageAccountType: type };
  });
}

function publishingProfile(args: Args): Record<string, unknown> {
  return {
    targetRegions: targetRegions(args),
    replicaCount: args.integer('replica-count'),
    excludeFromLatest: args.bool('exclude-from-latest'),
    endOfLifeDate: args.string('end-of-life-date'),
    storageAccountType: args.string('storage-account-type'),
  };
}

/** The one OS source az's flags name, as a storage profile. */
async function storageProfile(session: Session, args: Args): Promise<Record<string, unknown>> {
  const given = ['managed-image', 'image-version', 'os-snapshot', 'os-vhd-uri'].filter(
    (flag) => args.string(flag) !== undefined,
  );
  if (given.length !== 1)
    throw new UsageError(
      `usage error: give exactly one of --managed-image, --image-version, --os-snapshot or --os-vhd-uri${given.length ? ` (got ${given.map((g) => `--${g}`).join(', ')})` : ''}`,
    );
  const managedImage = args.string('managed-image');
  if (managedImage !== undefined) {
    const id = managedImage.includes('/')
      ? managedImage
      : resourceId(IMAGE, session.subscription, args.required('resource-group'), [managedImage]);
    return { source: { id } };
  }
  if (args.string('image-version') !== undefined) return { source: { id: args.string('image-version') } };
  if (args.string('os-vhd-uri') !== undefined) return { osDiskImage: { source: { uri: args.string('os-vhd-uri') } } };
  const snapshot = (await resolveSource(session, args, 'os-snapshot', [SNAPSHOT, DISK]))!;
  return { osDiskImage: { source: 'uri' in snapshot ? { uri: snapshot.uri } : { id: snapshot.id } } };
}

interface ReplicationSummary {
  region: string;
  state: string;
  progress: number;
}

/** `Replication: West US 100% Completed, East US 40% Replicating`, each time it changes. */
function replicationProgress(ctx: Context, client: ArmClient, path: string): Watch {
  return async () => {
    const version = (await client.get(path, API, { $expand: 'ReplicationStatus' })) as {
      properties?: { replicationStatus?: { summary?: ReplicationSummary[] } };
    };
    const summary = version.properties?.replicationStatus?.summary ?? [];
    if (summary.length)
      ctx.progress.update(`Replication: ${summary.map((s) => `${s.region} ${s.progress}% ${s.state}`).join(', ')}`);
  };
}

export const imageVersion: GroupSpec = {
  name: 'image-version',
  summary: 'Manage gallery image versions, replicated to their target regions.',
  commands: [
    createCommand(VERSION, {
      summary: 'Create a gallery image version and wait for its replication.',
      flags: [
        { name: 'managed-image', help: 'The source: a managed image name (in the resource group) or id.' },
        {
          name: 'image-version',
          help: 'The source: the id of another gallery image version (.../versions/latest for the newest).',
        },
        { name: 'os-snapshot', help: 'The source: a snapshot or managed disk name (in the resource group) or id.' },
        { name: 'os-vhd-uri', help: 'The source: the URI of a VHD blob in a Kiln region store.' },
        ...PUBLISHING,
      ],
      examples: [
        {
          title: 'A version of a managed image, replicated to two regions.',
          command: `kiln sig image-version create ${names} --managed-image MyManagedImage --target-regions westus eastus=2`,
        },
        {
          title: 'Start it and return at once.',
          command: `kiln sig image-version create ${names} --managed-image MyManagedImage --no-wait`,
        },
      ],
      location: GALLERY_LOCATION,
      body: async (session, args) => ({
        properties: { publishingProfile: publishingProfile(args), storageProfile: await storageProfile(session, args) },
      }),
      watch: (ctx, session, path) => replicationProgress(ctx, session.client, path),
    }),
    showCommand(VERSION, {
      flags: [
        {
          name: 'expand',
          values: ['ReplicationStatus'],
          help: 'Also show the replication state of each target region.',
        },
      ],
      query: (args) => ({ $expand: args.string('expand') }),
      examples: [
        {
          title: 'Its replication state per region.',
          command: `kiln sig image-version show ${names} --expand ReplicationStatus --query replicationStatus`,
        },
      ],
    }),
    listCommand(VERSION),
    {
      name: 'update',
      summary:
        'Update a gallery image version: its target regions (adding one replicates it), replicas, latest exclusion, end of life, tags.',
      flags: [...nameFlags(VERSION), ...PUBLISHING, TAGS],
      examples: [
        {
          title: 'Replicate to one more region.',
          command: `kiln sig image-version update ${names} --target-regions westus eastus westus2`,
        },
        {
          title: "Keep it out of 'latest'.",
          command: `kiln sig image-version update ${names} --exclude-from-latest true`,
        },
      ],
      longRunning: true,
      async run(ctx) {
        const session = await ctx.session();
        const publishing = Object.fromEntries(
          Object.entries(publishingProfile(ctx.args)).filter(([, value]) => value !== undefined),
        );
        const tags = tagsOf(ctx.args);
        if (Object.keys(publishing).length === 0 && tags === undefined)
          throw new UsageError(
            'usage error: nothing to update; give --target-regions, --replica-count, --exclude-from-latest, --end-of-life-date, --storage-account-type or --tags',
          );
        const body = { tags, properties: { publishingProfile: publishing } };
        const path = resourcePath(VERSION, session.subscription, ctx.args);
        return session.client.longRunning('PATCH', path, API, {
          body,
          ...waiting(ctx, replicationProgress(ctx, session.client, path)),
        });
      },
    },
    deleteCommand(VERSION),
  ],
};
