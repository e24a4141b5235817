/**
 * The job side of disk creation: produce the sealed VHD (copy, import, empty, or a finished
 * upload), then record it. Every step is idempotent because a job may run again after a crash.
 */
import { ArmError, type ArmErrorBody } from '../../core/arm-error.ts';
import { VHD_FOOTER_SIZE, createFixedVhdFooter, parseVhdFooter } from '../../core/vhd.ts';
import type { BlobInfo } from '../../ports/blob-store.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { finishOperation, type OperationData } from '../operations/operation.ts';
import { resourceRecord } from '../shared/arm-resource.ts';
import { copyBlob, type BlobLocation } from '../shared/blob-copy.ts';
import type { Disk, DiskInternal } from './disk.ts';
import { readAll } from './disk-source.ts';

export interface FillPayload {
  key: string;
  operation: OperationData;
  target: BlobLocation;
  source?: { blob?: BlobLocation; emptyBytes?: number };
}

export async function fillDisk(ctx: DomainContext, payload: FillPayload): Promise<Write[]> {
  const store = ctx.regions.get(payload.target.region)!;
  const { blob, emptyBytes } = payload.source ?? {};
  const info = blob
    ? await copyBlob(ctx.regions, blob, payload.target)
    : await emptyVhd(ctx, payload.target, emptyBytes ?? 0);
  return recordSealed(ctx, payload, info, () => store.delete(payload.target.key));
}

async function emptyVhd(ctx: DomainContext, target: BlobLocation, dataBytes: number): Promise<BlobInfo> {
  const store = ctx.regions.get(target.region)!;
  const existing = await store.stat(target.key);
  if (existing) return existing;
  if ((await store.stagingSize(target.key)) === undefined)
    await store.createStaging(target.key, dataBytes + VHD_FOOTER_SIZE);
  await store.writeStaging(target.key, dataBytes, createFixedVhdFooter(dataBytes));
  return store.seal(target.key);
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
