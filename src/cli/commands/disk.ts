/**
 * `kiln disk` (and, through the same table, `kiln snapshot`): managed disks and snapshots, as
 * `az disk` and `az snapshot`. Both are the same ARM shape in two collections.
 */
import { DISK_SKUS } from '../../core/disk-skus.ts';
import { API_VERSIONS } from '../arm/api-versions.ts';
import { UsageError } from '../arm/args.ts';
import type { GroupSpec } from '../arm/command.ts';
import {
  createCommand,
  deleteCommand,
  exampleNames,
  listCommand,
  namedKind,
  nameFlags,
  resolveSource,
  resourcePath,
  showCommand,
  waiting,
  type ResourceKind,
} from '../arm/resources.ts';

const compute = { provider: 'Microsoft.Compute', apiVersion: API_VERSIONS.disks };
export const DISK = namedKind({
  ...compute,
  command: 'disk',
  noun: 'managed disk',
  collection: 'disks',
  example: 'MyDisk',
});
export const SNAPSHOT = namedKind({
  ...compute,
  command: 'snapshot',
  noun: 'snapshot',
  collection: 'snapshots',
  example: 'MySnapshot',
});

interface Family {
  kind: ResourceKind;
  summary: string;
  /** Empty disks exist; empty snapshots do not. */
  empty: boolean;
  skus: readonly string[];
  /** az asks before deleting a disk, not a snapshot. */
  confirmDelete: boolean;
}

export function diskFamilyGroup(family: Family): GroupSpec {
  const { kind } = family;
  const names = exampleNames(kind);
  return {
    name: kind.command,
    summary: family.summary,
    commands: [
      createCommand(kind, {
        summary: `Create a ${kind.noun}${family.empty ? ' (empty, ' : ' ('}a copy of a disk or snapshot, an import of a VHD blob, or ready for upload).`,
        flags: [
          {
            name: 'source',
            help: 'The source: a VHD blob URI, a managed disk or snapshot id, or the name of one in the resource group.',
          },
          {
            name: 'size-gb',
            short: 'z',
            help: `Size in GiB${family.empty ? ' (an empty disk needs it)' : ''}; with --source it must match the source.`,
          },
          { name: 'sku', values: family.skus, help: 'Underlying storage SKU.' },
          { name: 'os-type', values: ['Linux', 'Windows'], help: 'The operating system on the disk.' },
          { name: 'hyper-v-generation', values: ['V1', 'V2'], help: 'The hypervisor generation.' },
          {
            name: 'upload-type',
            values: ['Upload'],
            help: "Create it empty, ready for an upload through 'grant-access --access-level Write' (with --upload-size-bytes).",
          },
          { name: 'upload-size-bytes', help: 'Size of the VHD to upload, footer included.' },
        ],
        examples: [
          ...(family.empty
            ? [
                {
                  title: 'Create an empty 10 GiB disk in westus.',
                  command: `kiln ${kind.command} create ${names} --size-gb 10 -l westus`,
                },
              ]
            : []),
          {
            title: 'Copy a disk or snapshot of the same resource group.',
            command: `kiln ${kind.command} create ${names} --source MyOtherDisk`,
          },
          {
            title: 'Import a VHD from a Kiln region store.',
            command: `kiln ${kind.command} create ${names} --source https://kiln.example:8443/blob/westus/vhds/os.vhd`,
          },
          {
            title: 'Create it for an upload of a VHD of 1 GiB plus its footer.',
            command: `kiln ${kind.command} create ${names} --upload-type Upload --upload-size-bytes 1073742336`,
          },
        ],
        async body(session, args) {
          const source = await resolveSource(session, args, 'source', [DISK, SNAPSHOT]);
          const size = args.integer('size-gb');
          const upload = args.string('upload-type');
          let creationData: Record<string, unknown>;
          if (source && 'uri' in source) creationData = { createOption: 'Import', sourceUri: source.uri };
          else if (source) creationData = { createOption: 'Copy', sourceResourceId: source.id };
          else if (upload) creationData = { createOption: upload, uploadSizeBytes: args.integer('upload-size-bytes') };
          else if (family.empty && size !== undefined) creationData = { createOption: 'Empty' };
          else
            throw new UsageError(
              `usage error: --source${family.empty ? ', --size-gb' : ''} or --upload-type is required to create a ${kind.noun}`,
            );
          return {
            sku: args.string('sku') ? { name: args.string('sku') } : undefined,
            properties: {
              creationData,
              diskSizeGB: size,
              osType: args.string('os-type'),
              hyperVGeneration: args.string('hyper-v-generation'),
            },
          };
        },
      }),
      showCommand(kind),
      listCommand(kind),
      deleteCommand(kind, { confirm: family.confirmDelete }),
      {
        name: 'grant-access',
        summary: `Grant a SAS URL to read (download) or write (upload) the ${kind.noun}'s VHD.`,
        flags: [
          ...nameFlags(kind),
          { name: 'duration-in-seconds', required: true, help: 'How long the URL is valid.' },
          {
            name: 'access-level',
            values: ['Read', 'Write'],
            default: 'Read',
            help: 'Read to download; Write to upload to a disk created with --upload-type Upload.',
          },
        ],
        examples: [
          {
            title: 'A download URL valid for an hour.',
            command: `kiln ${kind.command} grant-access ${names} --duration-in-seconds 3600 --query accessSas -o tsv`,
          },
          {
            title: 'An upload URL.',
            command: `kiln ${kind.command} grant-access ${names} --duration-in-seconds 3600 --access-level Write`,
          },
        ],
        longRunning: true,
        async run(ctx) {
          const session = await ctx.session();
          const body = {
            access: ctx.args.string('access-level'),
            durationInSeconds: ctx.args.integer('duration-in-seconds'),
          };
          const path = `${resourcePath(kind, session.subscription, ctx.args)}/beginGetAccess`;
          const result = (await session.client.longRunning('POST', path, kind.apiVersion, {
            body,
            ...waiting(ctx),
          })) as { accessSAS?: string } | undefined;
          return result && { accessSas: result.accessSAS };
        },
      },
      {
        name: 'revoke-access',
        summary: 'Revoke the SAS URLs; after an upload this checks and seals the VHD.',
        flags: nameFlags(kind),
        examples: [{ title: 'End an upload or a download.', command: `kiln ${kind.command} revoke-access ${names}` }],
        longRunning: true,
        async run(ctx) {
          const session = await ctx.session();
          const path = `${resourcePath(kind, session.subscription, ctx.args)}/endGetAccess`;
          await session.client.longRunning('POST', path, kind.apiVersion, waiting(ctx));
          return undefined;
        },
      },
    ],
  };
}

export const disk = diskFamilyGroup({
  kind: DISK,
  summary: 'Manage managed disks.',
  empty: true,
  skus: DISK_SKUS,
  confirmDelete: true,
});
