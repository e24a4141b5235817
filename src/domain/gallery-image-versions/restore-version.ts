/**
 * Soft delete of image versions, the versions' side: a delete in a gallery whose soft delete policy
 * is on keeps the version (soft-deleted-resources/soft-deleted-version.ts), and a PUT or PATCH of the
 * version with `properties.restore: true` puts it back, as Azure restores one (GalleryRP's
 * GalleryImageVersion_Update_RestoreSoftDeleted example). A version kept while it was still replicating
 * replicates again from where it was (the job skips what is in place), polled as any update.
 */
import { ArmError, badRequest } from '../../core/arm-error.ts';
import { resourceKey, type ResourceId } from '../../core/resource-id.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { startOperationOn } from '../operations/operation.ts';
import { resourceRecord } from '../shared/arm-resource.ts';
import { checkQuota } from '../shared/quota.ts';
import { isObject } from '../shared/validate.ts';
import {
  RETENTION_DAYS,
  expired,
  softDeletedId,
  softDeletedRecord,
  type SoftDeletedVersionRecord,
} from '../soft-deleted-resources/soft-deleted-version.ts';
import type { GalleryImageVersionRecord } from './gallery-image-version.ts';
import { statusKey, statusRecord, type ReplicationStatusData } from './replication-status.ts';

/** Whether the body asks to restore a soft-deleted version (`properties.restore`, true or false). */
export function asksRestore(body: Record<string, unknown>): boolean {
  const restore = isObject(body.properties) ? body.properties.restore : undefined;
  if (restore === undefined || restore === null || typeof restore === 'boolean') return restore === true;
  throw badRequest('InvalidParameter', `'properties.restore' must be true or false.`, 'properties.restore');
}

/** The soft-deleted version kept for the version id, within its retention, or undefined. */
async function keptVersion(ctx: DomainContext, id: ResourceId): Promise<SoftDeletedVersionRecord | undefined> {
  const kept = (await ctx.store.get(resourceKey(softDeletedId(id)))) as SoftDeletedVersionRecord | undefined;
  return kept && !expired(kept, ctx.clock.now()) ? kept : undefined;
}

/** A new version may not take the name of one kept soft-deleted: restore it, or wait for its retention to end. */
export async function refuseWhileKept(ctx: DomainContext, id: ResourceId): Promise<void> {
  const kept = await keptVersion(ctx, id);
  if (!kept) return;
  const deleted = kept.data.resource.properties.softDeletedTime;
  throw new ArmError(
    409,
    'Conflict',
    `The image version '${kept.data.resource.name}' was soft-deleted at ${deleted} and is kept for ${RETENTION_DAYS} days: restore it with 'properties.restore': true, or use another version name.`,
    'galleryImageVersionName',
  );
}

/** What a delete writes: the version and its replication state removed, and either kept or its chunks collected. */
export async function deleteVersionWrites(
  ctx: DomainContext,
  existing: GalleryImageVersionRecord,
  id: ResourceId,
  keep: boolean,
): Promise<Write[]> {
  const status = await ctx.store.get<ReplicationStatusData>(statusKey(existing.key));
  const regions = existing.data.resource.properties.publishingProfile.targetRegions.map((t) => t.name);
  return [
    { op: 'delete', key: existing.key, expect: { etag: existing.etag } },
    { op: 'delete', key: statusKey(existing.key) },
    ...(keep
      ? [{ op: 'put' as const, record: softDeletedRecord(existing, id, status?.data, ctx.clock.now()) }]
      : regions.map((region) => ctx.jobs.enqueueWrite({ task: 'chunks.gc', payload: { region }, maxAttempts: 100 }))),
  ];
}

/** Puts the kept version back under its own id (404 when none is kept), with the quota a new version takes. */
export async function restoreVersion(ctx: DomainContext, id: ResourceId) {
  const kept = await keptVersion(ctx, id);
  if (!kept)
    throw new ArmError(
      404,
      'ResourceNotFound',
      `No soft-deleted image version '${id.types[2][1]}' of image '${id.types[1][1]}' is kept in gallery '${id.types[0][1]}' (a soft-deleted version is kept for ${RETENTION_DAYS} days).`,
      'properties.restore',
    );
  const { resource: version, internal } = kept.data.internal.version;
  await checkQuota(ctx, 'galleryImageVersions', id.subscription, version.location);
  const record = resourceRecord(version, internal);
  const writes: Write[] = [
    { op: 'put', record, expect: { absent: true } },
    { op: 'delete', key: kept.key, expect: { etag: kept.etag } },
  ];
  if (kept.data.internal.status) writes.push({ op: 'put', record: statusRecord(record, kept.data.internal.status) });
  const replicating = ['Creating', 'Updating'].includes(version.properties.provisioningState);
  const started = startOperationOn(
    version,
    { subscription: id.subscription, namespace: 'Microsoft.Compute' },
    ctx.clock.now(),
  );
  if (replicating)
    writes.push(
      started.write,
      ctx.jobs.enqueueWrite({
        task: 'galleryVersion.replicate',
        payload: { key: record.key, operation: started.data },
      }),
    );
  const [stored] = await ctx.store.apply(writes);
  ctx.jobs.nudge();
  return { status: 200 as const, version, etag: stored.etag, operation: replicating ? started.data : undefined };
}
