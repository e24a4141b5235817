/**
 * A soft-deleted gallery image version: with its gallery's `softDeletePolicy.isSoftDeleteEnabled`, a
 * deleted version is moved, whole (its record and replication state), to a record of its own under
 * `softDeletedArtifactTypes/Images/artifacts/{image}/versions/{version}`, and kept for Azure's
 * retention of seven days, recoverable by a restore (restore-version.ts).
 *
 * Invariants:
 *  - A kept version's chunks stay: garbage collection counts it as it counts live versions
 *    (`keptVersions`). Past its retention it counts for nothing: lists leave it out, a restore does not
 *    find it, and the next collection deletes its record and, in each of its regions, its chunks.
 *  - Its record's parent is its image definition, so the definition (and with it the gallery) cannot
 *    be deleted while it is kept, as Azure refuses to.
 *  - It is not a version: `latest`, version lists, quotas and sources never see it (another kind).
 */
import { formatResourceId, resourceKey, type ResourceId } from '../../core/resource-id.ts';
import type { NewRecord, StoredRecord, Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import type { GalleryImageVersionRecord } from '../gallery-image-versions/gallery-image-version.ts';
import type { ReplicationStatusData } from '../gallery-image-versions/replication-status.ts';
import type { ArmResource, ResourceData } from '../shared/arm-resource.ts';

export const SOFT_DELETED_VERSION_KIND = 'microsoft.compute/galleries/softdeletedartifacttypes/artifacts/versions';

/** Azure's retention of a soft-deleted image version. */
export const RETENTION_DAYS = 7;
const RETENTION_MS = RETENTION_DAYS * 24 * 60 * 60 * 1000;

export interface GallerySoftDeletedResource extends ArmResource {
  id: string;
  name: string;
  type: 'Microsoft.Compute/galleries/softDeletedArtifactTypes/artifacts/versions';
  location: string;
  properties: { resourceArmId: string; softDeletedTime: string; softDeletedArtifactType: 'Images' };
}

export interface SoftDeletedInternal {
  /** The version's record as it was, to be put back by a restore. */
  version: GalleryImageVersionRecord['data'];
  status?: ReplicationStatusData;
}

export type SoftDeletedVersionRecord = StoredRecord<ResourceData<GallerySoftDeletedResource, SoftDeletedInternal>>;

/** The soft-deleted resource's id for a version id (`.../galleries/g/images/i/versions/v`). */
export function softDeletedId(version: ResourceId): ResourceId {
  const [gallery, [, image], [, name]] = version.types;
  return {
    ...version,
    types: [gallery, ['softDeletedArtifactTypes', 'Images'], ['artifacts', image], ['versions', name]],
  };
}

export function softDeletedRecord(
  version: GalleryImageVersionRecord,
  versionId: ResourceId,
  status: ReplicationStatusData | undefined,
  now: Date,
): NewRecord<SoftDeletedVersionRecord['data']> {
  const id = softDeletedId(versionId);
  return {
    key: resourceKey(id),
    kind: SOFT_DELETED_VERSION_KIND,
    subscription: version.subscription,
    resourceGroup: version.resourceGroup,
    parent: version.parent,
    data: {
      resource: {
        id: formatResourceId(id),
        name: version.data.resource.name,
        type: 'Microsoft.Compute/galleries/softDeletedArtifactTypes/artifacts/versions',
        location: version.data.resource.location,
        properties: {
          resourceArmId: version.data.resource.id,
          softDeletedTime: now.toISOString(),
          softDeletedArtifactType: 'Images',
        },
      },
      internal: { version: version.data, ...(status ? { status } : {}) },
    },
  };
}

/** Whether the version's retention has run out (from then on it is gone for good). */
export const expired = (record: SoftDeletedVersionRecord, now: Date) =>
  now.getTime() - Date.parse(record.data.resource.properties.softDeletedTime) >= RETENTION_MS;

const allKept = async (ctx: DomainContext) =>
  (await ctx.store.list({ kind: SOFT_DELETED_VERSION_KIND, limit: 1_000_000 })) as SoftDeletedVersionRecord[];

/** The versions kept within their retention, as garbage collection reads live versions. */
export async function keptVersions(ctx: DomainContext): Promise<Array<{ data: GalleryImageVersionRecord['data'] }>> {
  const now = ctx.clock.now();
  return (await allKept(ctx)).filter((r) => !expired(r, now)).map((r) => ({ data: r.data.internal.version }));
}

/** The writes that delete every version past its retention, with a collection in each region it held chunks in. */
export async function purgeWrites(ctx: DomainContext): Promise<Write[]> {
  const now = ctx.clock.now();
  const gone = (await allKept(ctx)).filter((r) => expired(r, now));
  const regions = new Set(
    gone.flatMap((r) => r.data.internal.version.resource.properties.publishingProfile.targetRegions.map((t) => t.name)),
  );
  return [
    ...gone.map((r): Write => ({ op: 'delete', key: r.key, expect: { etag: r.etag } })),
    ...[...regions].map((region) =>
      ctx.jobs.enqueueWrite({ task: 'chunks.gc', payload: { region }, maxAttempts: 100 }),
    ),
  ];
}
