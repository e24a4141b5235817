/**
 * Distributes a built image to one target. The image's VHD is first put in the template's region;
 * managed images and gallery versions are then made from it through the same domain operations the
 * API uses. Starting returns at once; their own jobs finish them, and the run's finishing job checks
 * back (holding no worker while it waits) until each is done.
 */
import { ArmError } from '../../../core/arm-error.ts';
import { parseResourceId, resourceKey } from '../../../core/resource-id.ts';
import type { DomainContext } from '../../context.ts';
import { compareVersions, versionsOf } from '../../gallery-image-versions/gallery-image-version.ts';
import { createOrUpdateVersion } from '../../gallery-image-versions/operations.ts';
import type { Distributor } from '../image-template.ts';
import type { StartedDistribution } from '../run-payloads.ts';
import { sharedImageTarget } from '../template-references.ts';
import { createOrUpdateImage } from '../../images/operations.ts';

export interface BuiltImage {
  region: string;
  key: string;
  /** A URL of the blob that domain operations accept as `blobUri` / source `uri`. */
  uri: string;
  /** Where the run says a VHD output is. */
  artifactUri: string;
  /** The source's gallery image version, which the `Source` versioning scheme reuses. */
  sourceVersion?: string;
}

export async function startDistribution(
  ctx: DomainContext,
  target: Distributor,
  image: BuiltImage,
): Promise<StartedDistribution> {
  switch (target.type) {
    case 'VHD':
      return {
        output: { runOutputName: target.runOutputName, artifactUri: image.artifactUri, provisioningState: 'Succeeded' },
      };
    case 'ManagedImage': {
      const id = parseResourceId(target.imageId)!;
      await createOrUpdateImage(
        ctx,
        { subscription: id.subscription, resourceGroup: id.resourceGroup!, name: id.types[0][1] },
        {
          location: target.location,
          ...(target.artifactTags ? { tags: target.artifactTags } : {}),
          properties: { storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri: image.uri } } },
        },
      );
      return {
        output: { runOutputName: target.runOutputName, artifactId: target.imageId, provisioningState: 'Succeeded' },
        waitFor: resourceKey(id),
      };
    }
    case 'SharedImage': {
      const definition = parseResourceId(target.galleryImageId)!;
      const [gallery, name] = [definition.types[0][1], definition.types[1][1]];
      const parent = await sharedImageTarget(ctx, target.galleryImageId, 'properties.distribute');
      const version = await nextVersion(ctx, resourceKey(definition), target, image.sourceVersion);
      const created = await createOrUpdateVersion(
        ctx,
        {
          subscription: definition.subscription,
          resourceGroup: definition.resourceGroup!,
          gallery,
          image: name,
          version,
        },
        {
          location: parent.data.resource.location,
          ...(target.artifactTags ? { tags: target.artifactTags } : {}),
          properties: {
            publishingProfile: {
              targetRegions: target.targetRegions.map((r) => ({
                name: r.name,
                regionalReplicaCount: r.replicaCount,
                storageAccountType: r.storageAccountType,
              })),
              excludeFromLatest: target.excludeFromLatest,
              storageAccountType: target.storageAccountType,
              ...(target.replicationMode ? { replicationMode: target.replicationMode } : {}),
            },
            storageProfile: { osDiskImage: { source: { uri: image.uri } } },
          },
        },
      );
      return {
        output: { runOutputName: target.runOutputName, artifactId: created.version.id, provisioningState: 'Succeeded' },
        waitFor: resourceKey(created.version.id),
      };
    }
  }
}

/**
 * The version number: `Source` reuses the source version's number; `Latest` takes the highest
 * version (of the given major, when one is set) and bumps its patch; without versioning Kiln does
 * the same, Azure's "monotonic" default.
 */
async function nextVersion(
  ctx: DomainContext,
  definitionKey: string,
  target: Extract<Distributor, { type: 'SharedImage' }>,
  sourceVersion?: string,
): Promise<string> {
  if (target.versioning?.scheme === 'Source') {
    if (sourceVersion) return sourceVersion;
    throw new ArmError(
      400,
      'BadSharedImageDistribute',
      "The 'Source' versioning scheme needs a gallery image version source; use 'Latest'.",
      'properties.distribute',
    );
  }
  const major =
    target.versioning?.scheme === 'Latest' && target.versioning.major !== undefined && target.versioning.major >= 0
      ? target.versioning.major
      : undefined;
  const existing = (await versionsOf(ctx.store, definitionKey))
    .map((v) => v.data.resource.name)
    .filter((v) => major === undefined || Number(v.split('.')[0]) === major)
    .sort(compareVersions);
  const highest = existing.at(-1);
  if (!highest) return `${major ?? 1}.0.0`;
  const [a, b, c] = highest.split('.').map(Number);
  return `${a}.${b}.${c + 1}`;
}

/** Where a started distribution stands: its resource's provisioning state (Failed when it vanished). */
export async function distributionState(
  ctx: DomainContext,
  started: StartedDistribution,
): Promise<'InProgress' | 'Succeeded' | 'Failed'> {
  if (!started.waitFor) return started.output.provisioningState;
  const record = await ctx.store.get<{ resource: { properties: { provisioningState: string } } }>(started.waitFor);
  const state = record?.data.resource.properties.provisioningState;
  if (state === 'Succeeded') return 'Succeeded';
  if (state === 'Creating' || state === 'Updating') return 'InProgress';
  return 'Failed';
}
