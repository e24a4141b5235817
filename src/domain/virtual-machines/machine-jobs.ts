/**
 * The record side of the `virtualMachine.run` job: what the job reads to drive the host (the OS
 * disk, the plan of the machine to boot) and the records it writes when the host is done. The host
 * side (disk files, QEMU) is the jobs layer's (jobs/tasks/virtual-machine.ts); here nothing runs.
 *
 * A payload belongs to the operation the VM record names: when another request replaced it (a delete
 * after a start), the older job finishes its own operation and changes nothing else.
 */
import type { ArmErrorBody } from '../../core/arm-error.ts';
import { parseResourceId, resourceGroupId } from '../../core/resource-id.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { createOrUpdateDisk } from '../disks/operations.ts';
import { DISKS, type CreationData, type Disk, type DiskInternal, type DiskRecord } from '../disks/disk.ts';
import type { NetworkInterface } from '../network-interfaces/network-interface.ts';
import type { NetworkSecurityGroup } from '../network-security-groups/network-security-group.ts';
import type { PublicIPAddress } from '../public-ip-addresses/public-ip-address.ts';
import { finishOperation, type OperationData } from '../operations/operation.ts';
import { getResource, resourceRecord } from '../shared/arm-resource.ts';
import { requireVmSize, vmSettings } from './capacity.ts';
import { dataDiskCreation } from './image-choice.ts';
import { provisioningSeed, type AgentAccount, type ProvisioningSeed } from './provisioning-seed.ts';
import { publishedPorts } from './published-ports.ts';
import type { PowerState, VirtualMachine, VirtualMachineInternal, VirtualMachineRecord } from './virtual-machine.ts';

export type MachineAction =
  'create' | 'start' | 'powerOff' | 'restart' | 'deallocate' | 'delete' | 'runCommand' | 'update';

export interface MachinePayload {
  key: string;
  action: MachineAction;
  operation: OperationData;
  /** The VM's `vmId`, which names its folder on the host: what is left of it there goes when it is gone. */
  vmId?: string;
  /** The power state the request found, which a failed change of a VM that did not run leaves it in. */
  from?: PowerState;
  /** What the OS disk is made from (create only); its data disks `FromImage` take the image's data disks. */
  creationData?: CreationData;
  /** The guest command a run command runs (run-command.ts). */
  command?: string[];
  /** A change whose new size the running VM takes by restarting (update only). */
  restart?: boolean;
  /** A power-off that skips the guest's shutdown (`skipShutdown`): the VM stops at once. */
  hard?: boolean;
}

/** The VM as the payload's operation left it; undefined when the VM is gone or another operation took over. */
export async function machineOf(
  ctx: DomainContext,
  payload: MachinePayload,
): Promise<VirtualMachineRecord | undefined> {
  const record = (await ctx.store.get<VirtualMachineRecord['data']>(payload.key)) as VirtualMachineRecord | undefined;
  return record?.data.internal.operation?.name === payload.operation.name ? record : undefined;
}

/** The id of the disk named `name` in the VM's resource group, where Azure makes a VM's disks. */
export function diskIdIn(vm: Pick<VirtualMachine, 'id'>, name: string): string {
  const id = parseResourceId(vm.id)!;
  return `${resourceGroupId(id.subscription, id.resourceGroup!)}/providers/Microsoft.Compute/disks/${name}`;
}

/** The OS disk's id as the VM names it. */
export const osDiskId = (vm: VirtualMachine): string => diskIdIn(vm, vm.properties.storageProfile.osDisk.name);

/**
 * The VM's disks once their bytes are in, the OS disk first, then the data disks in LUN order: each
 * the VM makes (its OS disk `FromImage`, data disks `Empty` or `FromImage`) made through the disk
 * operation the API uses (whose own job fills it) when first missing; undefined while any fills. A
 * disk that failed fails the VM; so does an attached one that is gone. `creationData` is the OS
 * disk's, when the VM is being created.
 */
export async function readyDisks(
  ctx: DomainContext,
  record: VirtualMachineRecord,
  creationData?: CreationData,
): Promise<{ os: DiskRecord; data: Array<{ lun: number; disk: DiskRecord }> } | undefined> {
  const vm = record.data.resource;
  const { osDisk, dataDisks } = vm.properties.storageProfile;
  const wanted: Array<{ id: string; name: string; sku: string; size?: number; lun?: number; from?: CreationData }> = [
    {
      id: osDiskId(vm),
      name: osDisk.name,
      sku: osDisk.managedDisk.storageAccountType,
      size: osDisk.diskSizeGB,
      from: creationData,
    },
    ...[...dataDisks]
      .sort((a, b) => a.lun - b.lun)
      .map((disk) => ({
        id: disk.managedDisk.id,
        name: disk.name,
        sku: disk.managedDisk.storageAccountType,
        size: disk.diskSizeGB,
        lun: disk.lun,
        from:
          disk.createOption === 'Empty'
            ? { createOption: 'Empty' }
            : disk.createOption === 'FromImage' && creationData
              ? dataDiskCreation(creationData, disk.lun)
              : undefined,
      })),
  ];
  const ready: DiskRecord[] = [];
  for (const want of wanted) {
    const id = parseResourceId(want.id)!;
    const disk = await getResource<Disk, DiskInternal>(ctx, id);
    if (!disk && want.from) {
      await createOrUpdateDisk(
        ctx,
        DISKS,
        { subscription: id.subscription, resourceGroup: id.resourceGroup!, name: want.name },
        {
          location: vm.location,
          sku: { name: want.sku },
          properties: { creationData: want.from, ...(want.size !== undefined ? { diskSizeGB: want.size } : {}) },
        },
      );
      continue;
    }
    if (!disk) throw new Error(`The disk ${want.id} of the VM is gone.`);
    const state = disk.data.resource.properties.provisioningState;
    if (state === 'Failed') throw new Error(`The disk ${disk.data.resource.id} of the VM could not be made.`);
    if (state === 'Succeeded') ready.push(disk as DiskRecord);
  }
  if (ready.length < wanted.length) return undefined;
  const [os, ...data] = ready;
  return { os, data: data.map((disk, i) => ({ lun: wanted[i + 1].lun!, disk })) };
}

/** What the host boots: the size's vCPUs and memory, the firmware of the disk's generation, the public address and ports, the seed. */
export interface MachinePlan {
  cpus: number;
  memoryMiB: number;
  firmware: 'bios' | 'uefi';
  publish?: { address: string; ports: number[] };
  outbound: boolean;
  seed: ProvisioningSeed;
}

export async function machinePlan(
  ctx: DomainContext,
  record: VirtualMachineRecord,
  disk: DiskRecord,
  agent?: AgentAccount,
): Promise<MachinePlan> {
  const vm = record.data.resource;
  const size = requireVmSize(ctx, vm.properties.hardwareProfile.vmSize, 'properties.hardwareProfile.vmSize');
  return {
    cpus: size.numberOfCores,
    memoryMiB: size.memoryInMB,
    firmware: disk.data.resource.properties.hyperVGeneration === 'V2' ? 'uefi' : 'bios',
    publish: await publicEndpoint(ctx, vm),
    outbound: vmSettings(ctx).outbound,
    seed: provisioningSeed(vm, record.data.internal, agent),
  };
}

/** The primary interface's public IP address and the ports its security group (or its subnet's) lets in. */
async function publicEndpoint(ctx: DomainContext, vm: VirtualMachine): Promise<MachinePlan['publish']> {
  const nics = vm.properties.networkProfile.networkInterfaces;
  const primary = nics.find((nic) => nic.properties.primary) ?? nics[0];
  const nic = primary && (await getResource<NetworkInterface, unknown>(ctx, primary.id));
  if (!nic) return undefined;
  const config =
    nic.data.resource.properties.ipConfigurations.find((c) => c.properties.primary) ??
    nic.data.resource.properties.ipConfigurations[0];
  const publicIp =
    config?.properties.publicIPAddress &&
    (await getResource<PublicIPAddress, unknown>(ctx, config.properties.publicIPAddress.id));
  const address = publicIp?.data.resource.properties.ipAddress;
  if (!address) return undefined;
  const groupId = nic.data.resource.properties.networkSecurityGroup?.id;
  const group = groupId ? await getResource<NetworkSecurityGroup, unknown>(ctx, groupId) : undefined;
  const rules = group && [
    ...group.data.resource.properties.securityRules,
    ...group.data.resource.properties.defaultSecurityRules,
  ];
  return { address, ports: publishedPorts(rules) };
}

/**
 * The writes that end the payload's operation with the VM in `power`, `changes` applied to its record,
 * the operation's `output` and the `writes` that go with them (an allocation released).
 */
export function settle(
  ctx: DomainContext,
  record: VirtualMachineRecord,
  payload: MachinePayload,
  power: PowerState,
  changes: Partial<VirtualMachineInternal> = {},
  { output, writes = [] }: { output?: unknown; writes?: Write[] } = {},
): Write[] {
  const vm = record.data.resource;
  return [
    ...writes,
    {
      op: 'put',
      record: resourceRecord(
        { ...vm, properties: { ...vm.properties, provisioningState: 'Succeeded' } },
        { ...record.data.internal, ...changes, power, operation: undefined, failure: undefined },
      ),
      expect: { etag: record.etag },
    },
    finishOperation(payload.operation, ctx.clock.now(), {
      status: 'Succeeded',
      ...(output !== undefined ? { output } : {}),
    }),
  ];
}

/** The writes that end the payload's operation Failed, the VM showing why; its power state is what the host left. */
export async function failMachine(
  ctx: DomainContext,
  payload: MachinePayload,
  body: ArmErrorBody,
  power: PowerState,
): Promise<Write[]> {
  const done = finishOperation(payload.operation, ctx.clock.now(), { status: 'Failed', error: body });
  const record = await machineOf(ctx, payload);
  if (!record) return [done];
  const vm = record.data.resource;
  return [
    {
      op: 'put',
      record: resourceRecord(
        { ...vm, properties: { ...vm.properties, provisioningState: 'Failed' } },
        { ...record.data.internal, power, operation: undefined, failure: body.message },
      ),
      expect: { etag: record.etag },
    },
    done,
  ];
}
