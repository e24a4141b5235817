/**
 * A VM as the source of a managed image (`properties.sourceVirtualMachine`) or a gallery image version
 * (`storageProfile.source.virtualMachineId`): what is captured is its disks' stored bytes, the OS
 * disk's and each data disk's at its LUN, as Azure captures a VM with its data disks.
 *
 * Invariant: those bytes are the guest's only while the VM does not run. The host writes the VM's
 * disk file back into the disk whenever the VM stops (jobs/tasks/virtual-machine.ts), so a VM is
 * captured stopped or deallocated, with no job moving it and its last one Succeeded; a running one is
 * refused rather than captured from bytes its guest has moved past.
 */
import { ArmError } from '../../core/arm-error.ts';
import { parseResourceId, resourceTypeOf } from '../../core/resource-id.ts';
import type { DomainContext } from '../context.ts';
import { resolveManagedSource, type ResolvedSource } from '../disks/disk-source.ts';
import type { Disk, DiskInternal } from '../disks/disk.ts';
import { getResource, resourceNotFound } from '../shared/arm-resource.ts';
import { osDiskId } from './machine-jobs.ts';
import {
  VIRTUAL_MACHINE_KIND,
  type DataDisk,
  type VirtualMachine,
  type VirtualMachineInternal,
  type VirtualMachineRecord,
} from './virtual-machine.ts';

export interface CapturedOsDisk extends ResolvedSource {
  /** The OS disk's id, as an image made from the VM names it. */
  id: string;
  storageAccountType: string;
}

/** A data disk of a captured VM: its LUN and caching on the VM, its bytes and SKU. */
export interface CapturedDataDisk extends CapturedOsDisk {
  lun: number;
  caching: DataDisk['caching'];
}

/** The VM `rawId` names: 400 LinkedInvalidPropertyId when it names no VM, 404 NotFound at `target` when there is none. */
export async function requireMachine(ctx: DomainContext, rawId: string, target: string): Promise<VirtualMachineRecord> {
  const id = parseResourceId(rawId);
  if (!id || resourceTypeOf(id) !== VIRTUAL_MACHINE_KIND || id.resourceGroup === undefined)
    throw new ArmError(
      400,
      'LinkedInvalidPropertyId',
      `Property id '${rawId}' at path '${target}' is invalid. Expect fully qualified resource Id that start with '/subscriptions/{subscriptionId}' and names a virtual machine.`,
      target,
    );
  const record = await getResource<VirtualMachine, VirtualMachineInternal>(ctx, id);
  if (!record) throw new ArmError(404, 'NotFound', resourceNotFound(id).message, target);
  return record as VirtualMachineRecord;
}

/** The stopped VM's OS disk as a source of bytes; 409 OperationNotAllowed at `target` while the VM runs or a job moves it. */
export async function capturedOsDisk(
  ctx: DomainContext,
  record: VirtualMachineRecord,
  target: string,
): Promise<CapturedOsDisk> {
  requireStopped(record, target);
  return capturedDisk(ctx, record, osDiskId(record.data.resource), target);
}

/** The stopped VM's data disks as sources of bytes, in LUN order; refused as `capturedOsDisk` is. */
export async function capturedDataDisks(
  ctx: DomainContext,
  record: VirtualMachineRecord,
  target: string,
): Promise<CapturedDataDisk[]> {
  requireStopped(record, target);
  const disks = [...record.data.resource.properties.storageProfile.dataDisks].sort((a, b) => a.lun - b.lun);
  const captured: CapturedDataDisk[] = [];
  for (const disk of disks)
    captured.push({
      ...(await capturedDisk(ctx, record, disk.managedDisk.id, target)),
      lun: disk.lun,
      caching: disk.caching,
    });
  return captured;
}

function requireStopped(record: VirtualMachineRecord, target: string) {
  const vm = record.data.resource;
  const { power } = record.data.internal;
  const state = vm.properties.provisioningState;
  if (state !== 'Succeeded' || (power !== 'stopped' && power !== 'deallocated'))
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `The virtual machine '${vm.name}' is ${state === 'Succeeded' ? power : `${power} (provisioning ${state})`}. Kiln captures a VM only when it is stopped or deallocated, since the disks of a running VM are still changing: power it off or deallocate it first.`,
      target,
    );
}

async function capturedDisk(
  ctx: DomainContext,
  record: VirtualMachineRecord,
  diskId: string,
  target: string,
): Promise<CapturedOsDisk> {
  const vm = record.data.resource;
  const disk = await getResource<Disk, DiskInternal>(ctx, diskId);
  if (!disk)
    throw new ArmError(
      409,
      'InvalidResourceState',
      `The disk '${diskId}' of the virtual machine '${vm.name}' no longer exists.`,
      target,
    );
  return {
    ...(await resolveManagedSource(ctx, diskId, target)),
    id: disk.data.resource.id,
    storageAccountType: disk.data.resource.sku.name,
  };
}
