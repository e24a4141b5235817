/**
 * Growing a disk or snapshot (a larger `diskSizeGB` in a PATCH or PUT), as Azure allows it: only
 * larger, and only while no running VM holds the disk (unattached, or its VM deallocated) and no
 * upload or download is open. The request records the new size with the disk `Updating` and starts a
 * job; the job makes the grown VHD beside the old one (grown-vhd.ts), then points the disk at it and
 * deletes the old bytes in one batch, so a crash or a concurrent delete at any step leaves the disk
 * whole, at one size or the other. A job that fails puts the old size back.
 */
import { ArmError, type ArmErrorBody } from '../../core/arm-error.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { finishOperation, startOperationOn, type OperationData } from '../operations/operation.ts';
import { resourceRecord, type OwnedBlob } from '../shared/arm-resource.ts';
import {
  GIB,
  copyPending,
  copyPendingRefusal,
  grownBlobKey,
  type Disk,
  type DiskFamily,
  type DiskInternal,
  type DiskRecord,
} from './disk.ts';
import { growVhd } from './grown-vhd.ts';
import type { Performance } from './performance.ts';

export interface GrowPayload {
  key: string;
  operation: OperationData;
  from: OwnedBlob;
  fromData: number;
  to: OwnedBlob;
  toData: number;
  /** What the disk said before, put back if the growth fails. */
  before: Pick<Disk['properties'], 'diskSizeGB' | 'diskSizeBytes'> & Partial<Performance>;
}

/** A change Azure makes only while no running VM holds the disk, in its words. */
export interface OfflineChange {
  /** `resize disk`, as in "Cannot resize disk …". */
  verb: string;
  /** `Resizing a disk`, as in "… of an Azure Virtual Machine requires the virtual machine to be deallocated". */
  doing: string;
  /** What changes, as in "changes to the size". */
  what: string;
  target: string;
}

export const RESIZE: OfflineChange = {
  verb: 'resize disk',
  doing: 'Resizing a disk',
  what: 'the size',
  target: 'properties.diskSizeGB',
};

/**
 * Azure's refusals of a change that needs the disk out of use (a resize, a new SKU, bursting turned
 * on): a disk in use by a running VM, or with its bytes open or not made yet.
 */
export function checkOffline(disk: Disk, change: OfflineChange = RESIZE): void {
  const { diskState, provisioningState } = disk.properties;
  if (copyPending(disk)) throw copyPendingRefusal(disk, change.target);
  if (diskState === 'Attached')
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `Cannot ${change.verb} ${disk.name} while it is attached to running VM ${disk.managedBy}. ${change.doing} of an Azure Virtual Machine requires the virtual machine to be deallocated. Please stop your VM and retry the operation.`,
      change.target,
    );
  if (provisioningState !== 'Succeeded' || (diskState !== 'Unattached' && diskState !== 'Reserved'))
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `Cannot ${change.verb} ${disk.name} while it is ${provisioningState === 'Succeeded' ? diskState : provisioningState}: changes to ${change.what} can be made only when it holds its data and no upload or download is open (end access first).`,
      change.target,
    );
}

/** Azure never shrinks a disk or snapshot, lest data be lost. */
export function shrinkRefusal(disk: Disk, sizeGB: number): ArmError {
  return new ArmError(
    400,
    'BadRequest',
    `The disk/snapshot resource with id ${disk.id} cannot be resized down (from ${disk.properties.diskSizeGB} GB to ${sizeGB} GB). Reducing disk/snapshot size is not supported to prevent data loss. If you do need to reduce the size of the disk, please create new snapshot/disks with the appropriate size.`,
    'properties.diskSizeGB',
  );
}

/**
 * The writes that record `next` (the disk at its new size, `Updating`) and start the job growing
 * `existing`'s bytes, and the operation a client polls.
 */
export function startGrowth(
  ctx: DomainContext,
  family: DiskFamily,
  existing: DiskRecord,
  next: Disk,
): { writes: Write[]; operation: OperationData } {
  const current = existing.data.resource;
  const from = existing.data.internal.blobs[0];
  const { uniqueId, diskSizeGB } = next.properties;
  const operation = startOperationOn(
    next,
    { subscription: existing.subscription, namespace: 'Microsoft.Compute' },
    ctx.clock.now(),
  );
  const { diskSizeBytes, tier, diskIOPSReadWrite, diskMBpsReadWrite } = current.properties;
  const payload: GrowPayload = {
    key: existing.key,
    operation: operation.data,
    from,
    fromData: diskSizeBytes,
    to: { region: from.region, key: grownBlobKey(family, uniqueId, diskSizeGB) },
    toData: diskSizeGB * GIB,
    before: { diskSizeGB: current.properties.diskSizeGB, diskSizeBytes, tier, diskIOPSReadWrite, diskMBpsReadWrite },
  };
  next.properties.provisioningState = 'Updating';
  next.properties.diskSizeBytes = payload.toData;
  return {
    operation: operation.data,
    writes: [
      { op: 'put', record: resourceRecord(next, existing.data.internal), expect: { etag: existing.etag } },
      operation.write,
      ctx.jobs.enqueueWrite({ task: 'disk.grow', payload }),
    ],
  };
}

/** The disk as the job finds it, unless it is gone or its bytes were replaced meanwhile (then the job's work has no owner). */
async function growingDisk(ctx: DomainContext, payload: GrowPayload) {
  const record = await ctx.store.get<{ resource: Disk; internal: DiskInternal }>(payload.key);
  return record?.data.internal.blobs[0]?.key === payload.from.key ? record : undefined;
}

export async function growDisk(ctx: DomainContext, payload: GrowPayload): Promise<Write[]> {
  const store = ctx.regions.get(payload.to.region)!;
  const info = await growVhd(store, payload.from.key, payload.fromData, payload.to.key, payload.toData);
  const done = finishOperation(payload.operation, ctx.clock.now(), { status: 'Succeeded' });
  const record = await growingDisk(ctx, payload);
  if (!record) {
    await store.delete(payload.to.key);
    return [done];
  }
  const disk = structuredClone(record.data.resource);
  disk.properties.provisioningState = 'Succeeded';
  const internal: DiskInternal = { blobs: [payload.to], sha256: info.sha256 };
  return [
    { op: 'put', record: resourceRecord(disk, internal), expect: { etag: record.etag } },
    ctx.jobs.enqueueWrite({ task: 'blobs.delete', payload: { blobs: [payload.from] } }),
    done,
  ];
}

/** A growth that cannot finish leaves the disk as it was, with its old bytes and size. */
export async function failGrowth(ctx: DomainContext, payload: GrowPayload, error: ArmErrorBody): Promise<Write[]> {
  await ctx.regions.get(payload.to.region)?.delete(payload.to.key);
  const failed = finishOperation(payload.operation, ctx.clock.now(), {
    status: error.code === 'OperationCanceled' ? 'Canceled' : 'Failed',
    error,
  });
  const record = await growingDisk(ctx, payload);
  if (!record) return [failed];
  const disk = structuredClone(record.data.resource);
  Object.assign(disk.properties, payload.before, { provisioningState: 'Succeeded' });
  return [{ op: 'put', record: resourceRecord(disk, record.data.internal), expect: { etag: record.etag } }, failed];
}
