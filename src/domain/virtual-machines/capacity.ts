/**
 * What the host's VMs may hold at once: the vCPUs of every VM holding an allocation (not deallocated:
 * a stopped VM keeps its allocation, as on Azure) against `maxCores`, Azure's regional cores quota,
 * and their memory against `maxMemoryMiB`. Over it, Azure's `OperationNotAllowed` with its quota
 * message. The defaults leave the host a core and half its memory: the API, builds and page cache
 * need them.
 *
 * Invariant: the allocations live in one record (`ALLOCATIONS_KEY`, each VM's vCPUs and memory by its
 * key), changed only by a write that expects the etag it was read at and lands in the same batch as
 * the change it stands for: a create, a start of a deallocated VM or a resize reserves; a deallocate
 * or a delete releases when its job has stopped the VM. So two requests checked against the same
 * allocations cannot both land: the second is read again (retryOnRace) and refused if it no longer
 * fits. An install from before the record reads its VMs once to make it.
 */
import { availableParallelism, totalmem } from 'node:os';
import { ArmError } from '../../core/arm-error.ts';
import type { Write } from '../../ports/metadata-store.ts';
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

const ALLOCATIONS_KIND = 'kiln/virtualmachineallocations';
const ALLOCATIONS_KEY = '/kiln/virtualmachineallocations/host';

interface Allocation {
  cores: number;
  memoryMiB: number;
}

interface Allocations {
  /** By VM key. */
  vms: Record<string, Allocation>;
}

/** The allocations as stored (with the etag a write expects), or as the VMs hold them when none is stored yet. */
async function readAllocations(ctx: DomainContext): Promise<{ data: Allocations; expect: Write['expect'] }> {
  const stored = await ctx.store.get<Allocations>(ALLOCATIONS_KEY);
  if (stored) return { data: stored.data, expect: { etag: stored.etag } };
  const sizes = vmSettings(ctx).sizes;
  const vms = (await ctx.store.list<VirtualMachineRecord['data']>({
    kind: VIRTUAL_MACHINE_KIND,
    limit: 100_000,
  })) as VirtualMachineRecord[];
  const data: Allocations = { vms: {} };
  for (const vm of vms) {
    const held = findVmSize(sizes, vm.data.resource.properties.hardwareProfile.vmSize);
    if (vm.data.internal.power !== 'deallocated' && held)
      data.vms[vm.key] = { cores: held.numberOfCores, memoryMiB: held.memoryInMB };
  }
  return { data, expect: { absent: true } };
}

const write = (data: Allocations, expect: Write['expect']): Write => ({
  op: 'put',
  record: { key: ALLOCATIONS_KEY, kind: ALLOCATIONS_KIND, subscription: '', resourceGroup: null, parent: null, data },
  expect,
});

/**
 * The write that gives the VM at `key` an allocation of `size` (in place of what it holds), for the
 * batch of the request that needs it; Azure's refusal when the other VMs' allocations leave no room.
 */
export async function reserveCapacity(ctx: DomainContext, key: string, size: VmSize): Promise<Write> {
  const settings = vmSettings(ctx);
  const { data, expect } = await readAllocations(ctx);
  const others = Object.entries(data.vms).filter(([vm]) => vm !== key);
  const cores = others.reduce((sum, [, held]) => sum + held.cores, 0);
  const memory = others.reduce((sum, [, held]) => sum + held.memoryMiB, 0);
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
  return write({ vms: { ...data.vms, [key]: { cores: size.numberOfCores, memoryMiB: size.memoryInMB } } }, expect);
}

/** The write that frees the allocation of the VM at `key` (deallocated or deleted); none when it holds none. */
export async function releaseCapacity(ctx: DomainContext, key: string): Promise<Write[]> {
  const { data, expect } = await readAllocations(ctx);
  if (!(key in data.vms)) return [];
  const { [key]: _, ...vms } = data.vms;
  return [write({ vms }, expect)];
}
