/**
 * What the host's VMs may hold at once, checked when a VM is created or started: the vCPUs of every
 * VM that is not deallocated (a stopped VM keeps its allocation, as on Azure) against `maxCores`,
 * Azure's regional cores quota, and their memory against `maxMemoryMiB`. Over it, Azure's
 * `OperationNotAllowed` with its quota message. The defaults leave the host a core and half its
 * memory: the API, builds and page cache need them.
 */
import { availableParallelism, totalmem } from 'node:os';
import { ArmError } from '../../core/arm-error.ts';
import type { DomainContext, VirtualMachineSettings } from '../context.ts';
import { DEFAULT_VM_SIZES, findVmSize, type VmSize } from './vm-sizes.ts';
import { VIRTUAL_MACHINE_KIND, type VirtualMachineRecord } from './virtual-machine.ts';

export function vmSettings(ctx: Pick<DomainContext, 'settings'>): VirtualMachineSettings {
  const given = ctx.settings.virtualMachines ?? {};
  return {
    sizes: given.sizes ?? [...DEFAULT_VM_SIZES],
    maxCores: given.maxCores ?? Math.max(1, availableParallelism() - 1),
    maxMemoryMiB: given.maxMemoryMiB ?? Math.floor(totalmem() / 2 / 1024 / 1024),
    outbound: given.outbound ?? false,
  };
}

/** The size `name` of this host's table, or Azure's refusal naming the sizes there are. */
export function requireVmSize(ctx: Pick<DomainContext, 'settings'>, name: string, target: string): VmSize {
  const sizes = vmSettings(ctx).sizes;
  const size = findVmSize(sizes, name);
  if (!size)
    throw new ArmError(
      400,
      'InvalidParameter',
      `The requested VM size ${name} is not available in the current region. The sizes available in the current region are: ${sizes.map((s) => s.name).join(', ')}.`,
      target,
    );
  return size;
}

/** Refuses allocating `size` for the VM at `key` when the VMs holding an allocation already fill the host. */
export async function checkCapacity(ctx: DomainContext, key: string, size: VmSize): Promise<void> {
  const settings = vmSettings(ctx);
  const vms = (await ctx.store.list<VirtualMachineRecord['data']>({
    kind: VIRTUAL_MACHINE_KIND,
    limit: 100_000,
  })) as VirtualMachineRecord[];
  let cores = 0;
  let memory = 0;
  for (const vm of vms) {
    if (vm.key === key || vm.data.internal.power === 'deallocated') continue;
    const held = findVmSize(settings.sizes, vm.data.resource.properties.hardwareProfile.vmSize);
    cores += held?.numberOfCores ?? 0;
    memory += held?.memoryInMB ?? 0;
  }
  if (cores + size.numberOfCores > settings.maxCores)
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `Operation could not be completed as it results in exceeding approved Total Regional Cores quota. Location: the Kiln host, Current Limit: ${settings.maxCores}, Current Usage: ${cores}, Additional Required: ${size.numberOfCores}, (Minimum) New Limit Required: ${cores + size.numberOfCores}. Deallocate a VM, or raise virtualMachines.maxCores in Kiln's config.json.`,
    );
  if (memory + size.memoryInMB > settings.maxMemoryMiB)
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `Operation could not be completed: VM size ${size.name} needs ${size.memoryInMB} MiB and the host's VMs hold ${memory} of their ${settings.maxMemoryMiB} MiB. Deallocate a VM, or raise virtualMachines.maxMemoryMiB in Kiln's config.json.`,
    );
}
