/**
 * CopyStart: an incremental snapshot copied from another incremental snapshot, across regions as a
 * rule, in the background, as Azure does it. The PUT answers at once with the snapshot `Succeeded`,
 * `completionPercent` 0 and `snapshotAccessState` Pending, and enqueues the copy job in the same
 * batch; the job moves the source's bytes into the snapshot's region store, only the chunks that
 * region lacks (replication/blob-transfer.ts), verified by content name, writing `completionPercent`
 * as it goes, and makes the snapshot Available with 100 once its bytes are in. Until then nothing
 * reads or changes its bytes (no disk from it, no download, no growth).
 *
 * A source deleted while the copy runs fails it with `copyCompletionError` CopySourceNotFound, as
 * Azure reports it; other failures are retried, and the last one is reported the same way. The job
 * is idempotent: a rerun finds the chunks and the copy it made before.
 */
import { ArmError, type ArmErrorBody } from '../../core/arm-error.ts';
import { parseResourceId, resourceTypeOf } from '../../core/resource-id.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { transferBlob } from '../replication/blob-transfer.ts';
import { getResource, resourceRecord } from '../shared/arm-resource.ts';
import type { BlobLocation } from '../shared/blob-copy.ts';
import type { CopyCompletionError, Disk, DiskInternal } from './disk.ts';
import type { ResolvedSource } from './disk-source.ts';

export interface CopyStartPayload {
  /** The snapshot's record key. */
  key: string;
  /** Its uniqueId: a snapshot deleted and made again under the name is another one. */
  uniqueId: string;
  source: { id: string; uniqueId: string; blob: BlobLocation };
  target: BlobLocation;
}

export interface CopyJob {
  signal: AbortSignal;
}

/** How often at most the snapshot's `completionPercent` is written while the copy runs. */
const PROGRESS_WRITE_MS = 250;

const SOURCE_FIELD = 'properties.creationData.sourceResourceId';

/** CopyStart copies incremental snapshots only, as Azure does: not a disk, not a full snapshot. */
export function checkCopyStartSource(rawId: string, source: ResolvedSource): void {
  const id = parseResourceId(rawId)!;
  if (resourceTypeOf(id) === 'microsoft.compute/snapshots' && source.snapshotFamily !== undefined) return;
  throw new ArmError(
    400,
    'InvalidParameter',
    `createOption 'CopyStart' copies an incremental snapshot only; '${rawId}' named by '${SOURCE_FIELD}' is ${resourceTypeOf(id) === 'microsoft.compute/disks' ? 'a disk: make an incremental snapshot of it first' : 'a full snapshot'}.`,
    SOURCE_FIELD,
  );
}

/** The fields a CopyStart snapshot starts with. */
export const COPY_STARTED: Pick<Disk['properties'], 'completionPercent' | 'snapshotAccessState'> = {
  completionPercent: 0,
  snapshotAccessState: 'Pending',
};

/** The snapshot as the job finds it, unless it was deleted (and maybe made again) meanwhile. */
async function copyingSnapshot(ctx: DomainContext, payload: CopyStartPayload) {
  const record = await ctx.store.get<{ resource: Disk; internal: DiskInternal }>(payload.key);
  return record?.data.resource.properties.uniqueId === payload.uniqueId ? record : undefined;
}

async function sourceExists(ctx: DomainContext, payload: CopyStartPayload): Promise<boolean> {
  const source = await getResource<Disk, DiskInternal>(ctx, payload.source.id);
  return source?.data.resource.properties.uniqueId === payload.source.uniqueId;
}

/** The copy's bytes and scratch chunks, which nobody owns once the copy failed or its snapshot went. */
async function discardCopy(ctx: DomainContext, payload: CopyStartPayload): Promise<void> {
  const store = ctx.regions.get(payload.target.region);
  if (!store) return;
  await store.delete(payload.target.key);
  for (const chunk of await store.list(scratchOf(payload))) await store.delete(chunk.key);
}

const scratchOf = (payload: CopyStartPayload) => `${payload.target.key}.chunks/`;

export async function copySnapshot(ctx: DomainContext, payload: CopyStartPayload, job: CopyJob): Promise<Write[]> {
  if (!(await copyingSnapshot(ctx, payload))) {
    await discardCopy(ctx, payload);
    return [];
  }
  const sourceGone = () =>
    failCopy(ctx, payload, {
      code: 'CopySourceNotFound',
      message: `The source snapshot '${payload.source.id}' was deleted while the background copy was in progress.`,
    });
  if (!(await sourceExists(ctx, payload))) return sourceGone();
  const from = ctx.regions.get(payload.source.blob.region)!;
  const to = ctx.regions.get(payload.target.region)!;
  const reporter = progressWriter(ctx, payload);
  let sha256: string;
  try {
    const { info } = await transferBlob(from, payload.source.blob.key, to, payload.target.key, {
      scratch: scratchOf(payload),
      signal: job.signal,
      onProgress: (p) => reporter.set(Math.floor((p.bytesDone * 100) / Math.max(p.bytesTotal, 1))),
    });
    sha256 = info.sha256;
  } catch (error) {
    await reporter.stop();
    if (!(await sourceExists(ctx, payload))) return sourceGone();
    throw error;
  }
  await reporter.stop();
  const record = await copyingSnapshot(ctx, payload);
  if (!record) {
    await discardCopy(ctx, payload);
    return [];
  }
  const disk = structuredClone(record.data.resource);
  Object.assign(disk.properties, { completionPercent: 100, snapshotAccessState: 'Available' });
  const internal: DiskInternal = { blobs: [payload.target], sha256 };
  return [{ op: 'put', record: resourceRecord(disk, internal), expect: { etag: record.etag } }];
}

/** A copy that cannot finish reports why on the snapshot, which stays Pending, and leaves no bytes behind. */
export async function failCopy(ctx: DomainContext, payload: CopyStartPayload, error: ArmErrorBody): Promise<Write[]> {
  await discardCopy(ctx, payload);
  const record = await copyingSnapshot(ctx, payload);
  if (!record) return [];
  const disk = structuredClone(record.data.resource);
  const reported: CopyCompletionError = { errorCode: error.code, errorMessage: error.message };
  disk.properties.copyCompletionError = reported;
  return [{ op: 'put', record: resourceRecord(disk, record.data.internal), expect: { etag: record.etag } }];
}

/**
 * Writes the snapshot's `completionPercent` as the copy moves, at most every PROGRESS_WRITE_MS and one
 * write at a time, below 100 (the job's own end writes that). A write that meets a concurrent change
 * of the snapshot is dropped: the next one carries the newer figure.
 */
function progressWriter(ctx: DomainContext, payload: CopyStartPayload) {
  let wanted = 0;
  let written = 0;
  let writing: Promise<void> | undefined;
  let last = 0;
  const write = async () => {
    const record = await copyingSnapshot(ctx, payload);
    if (!record || (record.data.resource.properties.completionPercent ?? 0) >= wanted) return;
    const percent = wanted;
    const disk = structuredClone(record.data.resource);
    disk.properties.completionPercent = percent;
    await ctx.store
      .apply([{ op: 'put', record: resourceRecord(disk, record.data.internal), expect: { etag: record.etag } }])
      .then(() => void (written = percent))
      .catch((error: unknown) => {
        if ((error as Error)?.name !== 'ExpectationFailedError') throw error;
      });
  };
  return {
    set(percent: number): void {
      wanted = Math.min(99, Math.max(wanted, percent));
      const now = ctx.clock.now().getTime();
      if (writing || wanted <= written || now - last < PROGRESS_WRITE_MS) return;
      last = now;
      writing = write()
        .catch(() => {})
        .finally(() => (writing = undefined));
    },
    /** Waits for the write in flight, so none lands after the job's own. */
    async stop(): Promise<void> {
      await writing;
    },
  };
}
