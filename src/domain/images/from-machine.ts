/**
 * A managed image of a VM (`properties.sourceVirtualMachine`, seed 003): Azure's rule is a generalized
 * VM, and Kiln's that it does not run (virtual-machines/capture-source.ts). The image's OS disk is the
 * VM's, shown as Azure shows a captured VM: the disk it was copied from, Generalized, the VM's caching,
 * the disk's size and storage type.
 *
 * A body may repeat the storage profile a GET of such an image shows (the Azure CLI's `image update`
 * GETs the image and PUTs it back): an OS disk naming the VM's own OS disk, Generalized, no data disk
 * (Kiln's VMs have none). Its caching, storage type and a larger size are then taken; any other disk
 * is refused, since the VM is the one source.
 */
import { ArmError } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import type { ResolvedSource } from '../disks/disk-source.ts';
import { GIB } from '../disks/disk.ts';
import { capturedOsDisk, requireMachine } from '../virtual-machines/capture-source.ts';
import type { ImageDisk } from './image.ts';
import type { ImageSpec } from './validate-image.ts';

const TARGET = 'properties.sourceVirtualMachine.id';
const OS_DISK = 'properties.storageProfile.osDisk';

export async function machineOsDisk(
  ctx: DomainContext,
  spec: ImageSpec,
): Promise<{ osDisk: ImageDisk; source: ResolvedSource }> {
  const record = await requireMachine(ctx, spec.sourceVirtualMachine!.id, TARGET);
  const vm = record.data.resource;
  if (!record.data.internal.generalized)
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `The operation 'Create Image' requires the Virtual Machine '${vm.name}' to be Generalized.`,
      TARGET,
    );
  if (spec.dataDisks.length > 0)
    throw new ArmError(
      400,
      'InvalidParameter',
      `The virtual machine '${vm.name}' has no data disks; an image made from it cannot name any.`,
      'properties.storageProfile.dataDisks',
    );
  const disk = await capturedOsDisk(ctx, record, TARGET);
  const captured: ImageDisk = {
    osType: disk.osType ?? vm.properties.storageProfile.osDisk.osType,
    osState: 'Generalized',
    managedDisk: { id: disk.id },
    caching: vm.properties.storageProfile.osDisk.caching,
    diskSizeGB: Math.ceil(disk.dataSize / GIB),
    storageAccountType: disk.storageAccountType,
  };
  return { osDisk: spec.osDisk ? asShown(spec.osDisk, captured, vm.name) : captured, source: disk };
}

/** The OS disk a round trip repeats, when it is the VM's own: the captured disk with the body's settings. */
function asShown(given: ImageDisk, captured: ImageDisk, vmName: string): ImageDisk {
  if (given.managedDisk?.id.toLowerCase() !== captured.managedDisk!.id.toLowerCase())
    throw new ArmError(
      400,
      'InvalidParameter',
      `The image is made from the virtual machine '${vmName}', whose OS disk is '${captured.managedDisk!.id}'; '${OS_DISK}' may only name that disk.`,
      OS_DISK,
    );
  if (given.osState !== 'Generalized' || given.osType !== captured.osType)
    throw new ArmError(
      400,
      'InvalidParameter',
      `An image made from the virtual machine '${vmName}' is ${captured.osType} and Generalized, not ${given.osType} and ${given.osState}.`,
      OS_DISK,
    );
  if (given.diskSizeGB !== undefined && given.diskSizeGB < captured.diskSizeGB!)
    throw new ArmError(
      400,
      'InvalidParameter',
      `'${OS_DISK}.diskSizeGB' (${given.diskSizeGB} GB) is smaller than the OS disk of the virtual machine '${vmName}' (${captured.diskSizeGB} GB).`,
      `${OS_DISK}.diskSizeGB`,
    );
  return {
    ...captured,
    caching: given.caching,
    ...(given.storageAccountType ? { storageAccountType: given.storageAccountType } : {}),
    ...(given.diskSizeGB !== undefined ? { diskSizeGB: given.diskSizeGB } : {}),
    ...(given.diskEncryptionSet ? { diskEncryptionSet: given.diskEncryptionSet } : {}),
  };
}
