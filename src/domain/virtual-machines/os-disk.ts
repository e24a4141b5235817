/**
 * A VM's hold on its OS disk, as Azure shows it on the disk: `managedBy` names the VM, `diskState` is
 * `Attached` while the VM holds an allocation and `Reserved` once it is deallocated; a held disk cannot
 * be deleted (disks/operations.ts). While the VM runs, its host's disk file is the disk's truth; the
 * stored bytes are brought up to date when it stops (`recordOsDiskBytes`).
 */
import type { DomainContext } from '../context.ts';
import type { Disk, DiskInternal, DiskRecord, DiskState } from '../disks/disk.ts';
import { getResource, resourceRecord } from '../shared/arm-resource.ts';
import { osDiskId } from './machine-jobs.ts';
import type { VirtualMachine } from './virtual-machine.ts';

/** Marks the disk held by `vm` in `state`; nothing when it already is. */
export async function holdOsDisk(
  ctx: DomainContext,
  vm: VirtualMachine,
  disk: DiskRecord,
  state: 'Attached' | 'Reserved',
) {
  const current = disk.data.resource;
  if (current.managedBy === vm.id && current.properties.diskState === state) return;
  await put(ctx, disk, { ...current, managedBy: vm.id, properties: { ...current.properties, diskState: state } });
}

/** Lets the disk go: no VM names it, and it can be used or deleted on its own. */
export async function releaseOsDisk(ctx: DomainContext, vm: VirtualMachine) {
  const disk = await getResource<Disk, DiskInternal>(ctx, osDiskId(vm));
  if (!disk || disk.data.resource.managedBy?.toLowerCase() !== vm.id.toLowerCase()) return;
  const { managedBy: _, ...rest } = disk.data.resource;
  await put(ctx, disk as DiskRecord, {
    ...rest,
    properties: { ...rest.properties, diskState: 'Unattached' as DiskState },
  });
}

/** The disk's stored bytes replaced by the host's file (done by the caller): the sha256 they had no longer holds. */
export async function recordOsDiskBytes(ctx: DomainContext, vm: VirtualMachine) {
  const disk = await getResource<Disk, DiskInternal>(ctx, osDiskId(vm));
  if (!disk) return;
  await ctx.store.apply([
    {
      op: 'put',
      record: resourceRecord(disk.data.resource, { ...disk.data.internal, sha256: undefined }),
      expect: { etag: disk.etag },
    },
  ]);
}

async function put(ctx: DomainContext, disk: DiskRecord, resource: Disk) {
  await ctx.store.apply([
    { op: 'put', record: resourceRecord(resource, disk.data.internal), expect: { etag: disk.etag } },
  ]);
}
