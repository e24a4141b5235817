/**
 * The job side of disk creation: produce the sealed VHD (copy, import, image, empty, or a finished
 * upload), then record it. Every step is idempotent because a job may run again after a crash.
 */
import type { Readable } from 'node:stream';
import { ArmError, type ArmErrorBody } from '../../core/arm-error.ts';
import { VHD_FOOTER_SIZE, createFixedVhdFooter, parseVhdFooter } from '../../core/vhd.ts';
import type { BlobInfo, BlobStore } from '../../ports/blob-store.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { finishOperation, type OperationData } from '../operations/operation.ts';
import type { ChunkManifest } from '../replication/chunk-manifest.ts';
import { materialize, readManifest } from '../replication/chunk-store.ts';
import { resourceRecord } from '../shared/arm-resource.ts';
import { copyBlob, type BlobLocation } from '../shared/blob-copy.ts';
import type { Disk, DiskInternal } from './disk.ts';
import { readAll } from './disk-source.ts';

/** Where a new disk's bytes come from; none of them: zeros. */
export interface FillSource {
  /** A sealed fixed VHD (a disk, snapshot, blob, managed image or platform image), in any region. */
  blob?: BlobLocation;
  /** A gallery image version's disk, whose chunks replica 1 of the target's region holds. */
  manifest?: ChunkManifest;
  emptyBytes?: number;
  /** Data bytes of a disk larger than its image: the image's data, zeros, then a footer of this size. */
  grownTo?: number;
}

export interface FillPayload {
  key: string;
  operation: OperationData;
  target: BlobLocation;
  source?: FillSource;
}

export async function fillDisk(ctx: DomainContext, payload: FillPayload): Promise<Write[]> {
  const store = ctx.regions.get(payload.target.region)!;
  const info = await produce(ctx, payload.target, payload.source ?? {});
  return recordSealed(ctx, payload, info, () => store.delete(payload.target.key));
}

async function produce(ctx: DomainContext, target: BlobLocation, source: FillSource): Promise<BlobInfo> {
  const store = ctx.regions.get(target.region)!;
  if (source.grownTo !== undefined)
    return stagedVhd(store, target.key, source.grownTo, () => imageData(ctx, store, source));
  if (source.blob) return copyBlob(ctx.regions, source.blob, target);
  // Within the region a manifest copy where the store keeps chunks: no byte moves.
  if (source.manifest) return materialize(store, 1, source.manifest, target.key);
  return stagedVhd(store, target.key, source.emptyBytes ?? 0);
}

/** The data bytes (without the footer) of the image a grown disk starts with. */
async function imageData(ctx: DomainContext, store: BlobStore, source: FillSource): Promise<Readable> {
  if (source.manifest)
    return readManifest(store, 1, source.manifest, { start: 0, end: source.manifest.size - VHD_FOOTER_SIZE - 1 });
  const { region, key } = source.blob!;
  const from = ctx.regions.get(region)!;
  const info = await from.stat(key);
  if (!info) throw new ArmError(404, 'BlobNotFound', `The source blob '${key}' in region '${region}' does not exist.`);
  return from.read(key, { start: 0, end: info.size - VHD_FOOTER_SIZE - 1 });
}

/**
 * A fixed VHD of `dataBytes` written through a staging blob: `data` from its start (unwritten, zeros
 * cost nothing), then the footer. A retry rewrites the same bytes, or finds the sealed blob.
 */
export async function stagedVhd(
  store: BlobStore,
  key: string,
  dataBytes: number,
  data?: () => Promise<Readable>,
): Promise<BlobInfo> {
  const existing = await store.stat(key);
  if (existing) return existing;
  if ((await store.stagingSize(key)) === undefined) await store.createStaging(key, dataBytes + VHD_FOOTER_SIZE);
  if (data) await store.writeStaging(key, 0, await data());
  await store.writeStaging(key, dataBytes, createFixedVhdFooter(dataBytes));
  return store.seal(key);
}

/** Seals a finished upload after checking it is a fixed VHD of the announced size. */
export async function sealUpload(ctx: DomainContext, payload: FillPayload): Promise<Write[]> {
  const store = ctx.regions.get(payload.target.region)!;
  let info = await store.stat(payload.target.key);
  if (!info) {
    const size = await store.stagingSize(payload.target.key);
    if (size === undefined)
      throw new ArmError(404, 'BlobNotFound', 'The uploaded data is gone; the disk was probably deleted.');
    const footer = parseVhdFooter(
      await readAll(store.readStaging(payload.target.key, { start: size - VHD_FOOTER_SIZE, end: size - 1 })),
    );
    if (!footer.ok)
      throw new ArmError(
        400,
        'InvalidVhd',
        `The uploaded data does not end in a valid VHD footer: ${footer.reason}. Upload a fixed VHD (raw data followed by its 512-byte footer).`,
      );
    if (footer.footer.currentSize !== size - VHD_FOOTER_SIZE) {
      throw new ArmError(
        400,
        'InvalidVhd',
        `The VHD footer gives a virtual size of ${footer.footer.currentSize} bytes but ${size - VHD_FOOTER_SIZE} bytes of data were uploaded.`,
      );
    }
    info = await store.seal(payload.target.key);
  }
  return recordSealed(ctx, payload, info, async () => {});
}

async function recordSealed(
  ctx: DomainContext,
  payload: FillPayload,
  info: BlobInfo,
  discard: () => Promise<void>,
): Promise<Write[]> {
  const record = await ctx.store.get<{ resource: Disk; internal: DiskInternal }>(payload.key);
  const done = finishOperation(payload.operation, ctx.clock.now(), { status: 'Succeeded' });
  if (!record) {
    // Deleted while being created: its bytes have no owner.
    await discard();
    return [done];
  }
  const disk = structuredClone(record.data.resource);
  disk.properties.provisioningState = 'Succeeded';
  disk.properties.diskState = 'Unattached';
  const internal: DiskInternal = { blobs: [payload.target], sha256: info.sha256 };
  return [{ op: 'put', record: resourceRecord(disk, internal), expect: { etag: record.etag } }, done];
}

/** A creation that cannot finish leaves the disk Failed; a bad upload goes back to ReadyToUpload for another try. */
export async function failDisk(
  ctx: DomainContext,
  payload: FillPayload,
  error: ArmErrorBody,
  upload: boolean,
): Promise<Write[]> {
  const record = await ctx.store.get<{ resource: Disk; internal: DiskInternal }>(payload.key);
  const failed = finishOperation(payload.operation, ctx.clock.now(), {
    status: error.code === 'OperationCanceled' ? 'Canceled' : 'Failed',
    error,
  });
  if (!record) return [failed];
  const disk = structuredClone(record.data.resource);
  if (upload) disk.properties.diskState = 'ReadyToUpload';
  else disk.properties.provisioningState = 'Failed';
  return [{ op: 'put', record: resourceRecord(disk, record.data.internal), expect: { etag: record.etag } }, failed];
}
