/** The job side of image creation: pin a copy of every source disk's bytes, then mark the image Succeeded. */
import type { ArmErrorBody } from '../../core/arm-error.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { finishOperation, type OperationData } from '../operations/operation.ts';
import { resourceRecord } from '../shared/arm-resource.ts';
import { copyBlob, type BlobLocation } from '../shared/blob-copy.ts';
import type { Image, ImageInternal } from './image.ts';

export interface ImageCopy {
  from: BlobLocation;
  to: BlobLocation;
}

export interface CreateImagePayload {
  key: string;
  operation: OperationData;
  copies: ImageCopy[];
}

export async function createImageData(ctx: DomainContext, payload: CreateImagePayload): Promise<Write[]> {
  for (const copy of payload.copies) await copyBlob(ctx.regions, copy.from, copy.to);
  const pinned = payload.copies.map((c) => c.to);
  const record = await ctx.store.get<{ resource: Image; internal: ImageInternal }>(payload.key);
  const done = finishOperation(payload.operation, ctx.clock.now(), { status: 'Succeeded' });
  if (!record) return [done, ctx.jobs.enqueueWrite({ task: 'blobs.delete', payload: { blobs: pinned } })];
  const image = structuredClone(record.data.resource);
  image.properties.provisioningState = 'Succeeded';
  // A replaced image's earlier copies are no longer referenced.
  const replaced = record.data.internal.blobs.filter(
    (old) => !pinned.some((b) => b.region === old.region && b.key === old.key),
  );
  const writes: Write[] = [
    { op: 'put', record: resourceRecord(image, { blobs: pinned }), expect: { etag: record.etag } },
    done,
  ];
  if (replaced.length > 0) writes.push(ctx.jobs.enqueueWrite({ task: 'blobs.delete', payload: { blobs: replaced } }));
  return writes;
}

export async function failImageCreation(
  ctx: DomainContext,
  payload: CreateImagePayload,
  error: ArmErrorBody,
): Promise<Write[]> {
  const record = await ctx.store.get<{ resource: Image; internal: ImageInternal }>(payload.key);
  const failed = finishOperation(payload.operation, ctx.clock.now(), { status: 'Failed', error });
  const orphans = ctx.jobs.enqueueWrite({ task: 'blobs.delete', payload: { blobs: payload.copies.map((c) => c.to) } });
  if (!record) return [failed, orphans];
  const image = structuredClone(record.data.resource);
  image.properties.provisioningState = 'Failed';
  return [
    { op: 'put', record: resourceRecord(image, record.data.internal), expect: { etag: record.etag } },
    failed,
    orphans,
  ];
}
