/**
 * The end of a VM delete, once the host has stopped it: what it was attached to follows each
 * attachment's `deleteOption` (Azure's default `Detach` keeps the OS disk and the interfaces). Every
 * step can run again after a crash: the interfaces and the disk are first let go (they no longer name
 * the VM), then those marked `Delete` are deleted through their own operations, then the VM record goes
 * with its operation finished, in one batch.
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
import { getResource } from '../shared/arm-resource.ts';
import { releaseOsDisk } from './os-disk.ts';
import { osDiskId, type MachinePayload } from './machine-jobs.ts';
import type { VirtualMachineRecord } from './virtual-machine.ts';

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
  await releaseOsDisk(ctx, vm);
  for (const nic of vm.properties.networkProfile.networkInterfaces) {
    if (nic.properties.deleteOption !== 'Delete') continue;
    const id = parseResourceId(nic.id)!;
    await deleteNetworkInterface(ctx, {
      subscription: id.subscription,
      resourceGroup: id.resourceGroup!,
      name: id.types[0][1],
    });
  }
  const osDisk = vm.properties.storageProfile.osDisk;
  if (osDisk.deleteOption === 'Delete' && (await getResource<Disk, DiskInternal>(ctx, osDiskId(vm)))) {
    const id = parseResourceId(osDiskId(vm))!;
    await deleteDisk(ctx, DISKS, {
      subscription: id.subscription,
      resourceGroup: id.resourceGroup!,
      name: osDisk.name,
    });
  }
  return [
    { op: 'delete', key: record.key, expect: { etag: record.etag } },
    finishOperation(payload.operation, ctx.clock.now(), { status: 'Succeeded' }),
  ];
}
