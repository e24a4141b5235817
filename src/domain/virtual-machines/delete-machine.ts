/**
 * The end of a VM delete, once the host has stopped it: what it was attached to follows each
 * attachment's `deleteOption` (Azure's default `Detach` keeps the disks and the interfaces). Every
 * step can run again after a crash: the interfaces and the disks are first let go (they no longer name
 * the VM), then those marked `Delete` are deleted through their own operations, then the VM record goes
 * with its operation finished and its allocation released, in one batch.
 */
import { parseResourceId } from '../../core/resource-id.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { DISKS, type Disk, type DiskInternal } from '../disks/disk.ts';
import { deleteDisk } from '../disks/operations.ts';
import { LinkedRecords } from '../network/linked-records.ts';
import type { NetworkInterface } from '../network-interfaces/network-interface.ts';
import { deleteNetworkInterface } from '../network-interfaces/operations.ts';
import { finishOperation } from '../operations/operation.ts';
import { getResource, ownedBlobs } from '../shared/arm-resource.ts';
import { releaseCapacity } from './capacity.ts';
import { releaseDisk } from './disk-holds.ts';
import { osDiskId, type MachinePayload } from './machine-jobs.ts';
import { bootDiagnosticsBlob, type VirtualMachineRecord } from './virtual-machine.ts';

export async function finishMachineDelete(
  ctx: DomainContext,
  record: VirtualMachineRecord,
  payload: MachinePayload,
): Promise<Write[]> {
  const vm = record.data.resource;
  const linked = new LinkedRecords(ctx);
  for (const { id } of vm.properties.networkProfile.networkInterfaces) {
    const nic = await linked.get<NetworkInterface, unknown>(id);
    if (nic?.resource.properties.virtualMachine?.id.toLowerCase() === vm.id.toLowerCase())
      delete nic.resource.properties.virtualMachine;
  }
  await ctx.store.apply(linked.writes());
  const { osDisk, dataDisks } = vm.properties.storageProfile;
  const disks = [
    { id: osDiskId(vm), deleteOption: osDisk.deleteOption },
    ...dataDisks.map((disk) => ({ id: disk.managedDisk.id, deleteOption: disk.deleteOption })),
  ];
  for (const id of [...disks.map((disk) => disk.id), ...(record.data.internal.detaching ?? [])])
    await releaseDisk(ctx, vm, id);
  for (const nic of vm.properties.networkProfile.networkInterfaces) {
    if (nic.properties.deleteOption !== 'Delete') continue;
    await deleteNetworkInterface(ctx, refOf(nic.id));
  }
  for (const disk of disks) {
    if (disk.deleteOption !== 'Delete' || !(await getResource<Disk, DiskInternal>(ctx, disk.id))) continue;
    await deleteDisk(ctx, DISKS, refOf(disk.id));
  }
  // The serial console's copy (boot-diagnostics.ts); VMs made before it was owned from creation name it here only.
  const blobs = [...ownedBlobs(record.data), bootDiagnosticsBlob(vm)].filter(
    (blob, i, all) => all.findIndex((b) => b.key === blob.key) === i,
  );
  return [
    ...(await releaseCapacity(ctx, record.key)),
    ctx.jobs.enqueueWrite({ task: 'blobs.delete', payload: { blobs } }),
    { op: 'delete', key: record.key, expect: { etag: record.etag } },
    finishOperation(payload.operation, ctx.clock.now(), { status: 'Succeeded' }),
  ];
}

const refOf = (raw: string) => {
  const id = parseResourceId(raw)!;
  return { subscription: id.subscription, resourceGroup: id.resourceGroup!, name: id.types[0][1] };
};
