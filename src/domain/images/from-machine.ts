/**
 * A managed image of a VM (`properties.sourceVirtualMachine`, seed 003): Azure's rule is a generalized
 * VM, and Kiln's that it does not run (virtual-machines/capture-source.ts). The image's disks are the
 * VM's, shown as Azure shows a captured VM: the disk each was copied from, the OS disk Generalized,
 * the VM's caching, each disk's size and storage type; its data disks at their LUNs.
 *
 * A body may repeat the storage profile a GET of such an image shows (the Azure CLI's `image update`
 * GETs the image and PUTs it back): an OS disk naming the VM's own OS disk, Generalized, and data
 * disks naming the VM's own at their LUNs. Their caching, storage type and a larger size are then
 * taken; any other disk is refused, since the VM is the one source.
 */
import { ArmError } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import type { ResolvedSource } from '../disks/disk-source.ts';
import { GIB } from '../disks/disk.ts';
import { capturedDataDisks, capturedOsDisk, requireMachine } from '../virtual-machines/capture-source.ts';
import type { ImageDisk } from './image.ts';
import type { ImageSpec } from './validate-image.ts';

const TARGET = 'properties.sourceVirtualMachine.id';
const OS_DISK = 'properties.storageProfile.osDisk';
const DATA_DISKS = 'properties.storageProfile.dataDisks';

export interface MachineDisks {
  osDisk: ImageDisk;
  source: ResolvedSource;
  dataDisks: Array<{ disk: ImageDisk; source: ResolvedSource }>;
}

export async function machineDisks(ctx: DomainContext, spec: ImageSpec): Promise<MachineDisks> {
  const record = await requireMachine(ctx, spec.sourceVirtualMachine!.id, TARGET);
  const vm = record.data.resource;
  if (!record.data.internal.generalized)
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `The operation 'Create Image' requires the Virtual Machine '${vm.name}' to be Generalized.`,
      TARGET,
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
  const data = (await capturedDataDisks(ctx, record, TARGET)).map((source) => ({
    source,
    disk: {
      lun: source.lun,
      managedDisk: { id: source.id },
      caching: source.caching,
      diskSizeGB: Math.ceil(source.dataSize / GIB),
      storageAccountType: source.storageAccountType,
    } as ImageDisk,
  }));
  if (spec.dataDisks.length > 0 && spec.dataDisks.length !== data.length)
    throw new ArmError(
      400,
      'InvalidParameter',
      `The image is made from the virtual machine '${vm.name}', which has ${data.length} data disk(s); '${DATA_DISKS}' may only repeat them.`,
      DATA_DISKS,
    );
  return {
    osDisk: spec.osDisk ? asShown(spec.osDisk, captured, vm.name, OS_DISK) : captured,
    source: disk,
    dataDisks: data.map(({ source, disk: shown }) => {
      const i = spec.dataDisks.findIndex((given) => given.lun === shown.lun);
      if (spec.dataDisks.length > 0 && i < 0)
        throw new ArmError(
          400,
          'InvalidParameter',
          `The virtual machine '${vm.name}' has a data disk at LUN ${shown.lun}, which '${DATA_DISKS}' leaves out.`,
          DATA_DISKS,
        );
      return { source, disk: i < 0 ? shown : asShown(spec.dataDisks[i], shown, vm.name, `${DATA_DISKS}[${i}]`) };
    }),
  };
}

/** A disk a round trip repeats (at `at`), when it is the VM's own: the captured disk with the body's settings. */
function asShown(given: ImageDisk, captured: ImageDisk, vmName: string, at: string): ImageDisk {
  if (given.managedDisk?.id.toLowerCase() !== captured.managedDisk!.id.toLowerCase())
    throw new ArmError(
      400,
      'InvalidParameter',
      `The image is made from the virtual machine '${vmName}', whose disk there is '${captured.managedDisk!.id}'; '${at}' may only name that disk.`,
      at,
    );
  if (captured.lun === undefined && (given.osState !== 'Generalized' || given.osType !== captured.osType))
    throw new ArmError(
      400,
      'InvalidParameter',
      `An image made from the virtual machine '${vmName}' is ${captured.osType} and Generalized, not ${given.osType} and ${given.osState}.`,
      at,
    );
  if (given.diskSizeGB !== undefined && given.diskSizeGB < captured.diskSizeGB!)
    throw new ArmError(
      400,
      'InvalidParameter',
      `'${at}.diskSizeGB' (${given.diskSizeGB} GB) is smaller than the disk of the virtual machine '${vmName}' (${captured.diskSizeGB} GB).`,
      `${at}.diskSizeGB`,
    );
  return {
    ...captured,
    caching: given.caching,
    ...(given.storageAccountType ? { storageAccountType: given.storageAccountType } : {}),
    ...(given.diskSizeGB !== undefined ? { diskSizeGB: given.diskSizeGB } : {}),
  };
}
