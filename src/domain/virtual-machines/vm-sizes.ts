/**
 * VM sizes: Azure's names for what a VM gets, as `listAvailableSizes` and `vmSizes` answer them
 * (`VirtualMachineSize`). A Kiln VM gets the size's vCPUs and memory on the host; the disk fields are
 * Azure's figures, kept so clients that read them see what they expect. The operator replaces the
 * table in config.json (`virtualMachines.sizes`); these are the defaults: the B series that small
 * test VMs use, the D sizes `az vm create` and the quickstart templates default to, and the Dsv3
 * sizes Azure VM Image Builder's own examples give their build VMs (`vmProfile.vmSize`, which names
 * a size of this table too: domain/image-templates/vm-profile.ts).
 */
export interface VmSize {
  name: string;
  numberOfCores: number;
  memoryInMB: number;
  maxDataDiskCount: number;
  osDiskSizeInMB: number;
  resourceDiskSizeInMB: number;
}

const size = (name: string, numberOfCores: number, memoryInMB: number, maxDataDiskCount: number): VmSize => ({
  name,
  numberOfCores,
  memoryInMB,
  maxDataDiskCount,
  osDiskSizeInMB: 1047552,
  resourceDiskSizeInMB: 0,
});

export const DEFAULT_VM_SIZES: readonly VmSize[] = [
  size('Standard_B1ls', 1, 512, 2),
  size('Standard_B1s', 1, 1024, 2),
  size('Standard_B1ms', 1, 2048, 2),
  size('Standard_B2s', 2, 4096, 4),
  size('Standard_B2ms', 2, 8192, 4),
  size('Standard_DS1_v2', 1, 3584, 4),
  size('Standard_DS2_v2', 2, 7168, 8),
  size('Standard_D2s_v3', 2, 8192, 4),
  size('Standard_D4s_v3', 4, 16384, 8),
  size('Standard_D8s_v3', 8, 32768, 16),
  size('Standard_D2s_v5', 2, 8192, 4),
  size('Standard_D4s_v5', 4, 16384, 8),
];

/** The size named `name` (without case, as Azure reads it). */
export function findVmSize(sizes: readonly VmSize[], name: string): VmSize | undefined {
  return sizes.find((s) => s.name.toLowerCase() === name.toLowerCase());
}
