/**
 * A VM's hold on its disks (its OS disk and each data disk), as Azure shows it on the disk: `managedBy`
 * names the VM, `diskState` is `Attached` while the VM holds an allocation and `Reserved` once it is
 * deallocated; a held disk cannot be deleted (disks/operations.ts) nor attached elsewhere
 * (data-disks.ts). While the VM runs, its host's disk file is the disk's truth; the stored bytes are
 * brought up to date when it stops or lets the disk go (`recordDiskBytes`).
 */
import type { DomainContext } from '../context.ts';
import type { Disk, DiskInternal, DiskRecord, DiskState } from '../disks/disk.ts';
import { getResource, resourceRecord } from '../shared/arm-resource.ts';
import type { VirtualMachine } from './virtual-machine.ts';

/** Marks the disk held by `vm` in `state`; nothing when it already is. */
export async function holdDisk(
  ctx: DomainContext,
  vm: VirtualMachine,
  disk: DiskRecord,
  state: 'Attached' | 'Reserved',
) {
  const current = disk.data.resource;
  if (current.managedBy === vm.id && current.properties.diskState === state) return;
  await put(ctx, disk, { ...current, managedBy: vm.id, properties: { ...current.properties, diskState: state } });
}

/** Lets the disk at `id` go: no VM names it, and it can be used or deleted on its own. */
export async function releaseDisk(ctx: DomainContext, vm: VirtualMachine, id: string) {
  const disk = await getResource<Disk, DiskInternal>(ctx, id);
  if (!disk || disk.data.resource.managedBy?.toLowerCase() !== vm.id.toLowerCase()) return;
  const { managedBy: _, ...rest } = disk.data.resource;
  await put(ctx, disk as DiskRecord, {
    ...rest,
    properties: { ...rest.properties, diskState: 'Unattached' as DiskState },
  });
}

/** The disk's stored bytes replaced by the host's file (done by the caller): the sha256 they had no longer holds. */
export async function recordDiskBytes(ctx: DomainContext, disk: DiskRecord) {
  const fresh = await getResource<Disk, DiskInternal>(ctx, disk.data.resource.id);
  if (!fresh) return;
  await ctx.store.apply([
    {
      op: 'put',
      record: resourceRecord(fresh.data.resource, { ...fresh.data.internal, sha256: undefined }),
      expect: { etag: fresh.etag },
    },
  ]);
}

async function put(ctx: DomainContext, disk: DiskRecord, resource: Disk) {
  await ctx.store.apply([
    { op: 'put', record: resourceRecord(resource, disk.data.internal), expect: { etag: disk.etag } },
  ]);
}
