/**
 * Microsoft.Compute/virtualMachines: one function per REST operation. A write records what the user
 * asked for and enqueues, in the same batch, the `virtualMachine.*` job that makes the host do it
 * (machine-requests.ts, machine-jobs.ts); long-running operations answer with the operation that job
 * finishes. A PUT or PATCH of an existing VM is a change (update-machine.ts).
 */
import { ArmError, Problems } from '../../core/arm-error.ts';
import { newGuid } from '../../core/ids.ts';
import { formatResourceId, parseResourceId, resourceKey } from '../../core/resource-id.ts';
import type { DomainContext } from '../context.ts';
import { LinkedRecords } from '../network/linked-records.ts';
import { retryOnRace } from '../shared/retry-on-race.ts';
import type { NetworkInterface } from '../network-interfaces/network-interface.ts';
import { startOperationOn, type OperationData } from '../operations/operation.ts';
import { getResource, requireResource, resourceNotFound, resourceRecord } from '../shared/arm-resource.ts';
import { checkConditions, type Conditions } from '../shared/conditions.ts';
import { listInScope } from '../shared/list-resources.ts';
import type { PageRequest } from '../shared/paging.ts';
import type { ListScope, ResourceRef } from '../shared/resource-ref.ts';
import { requireWritableResourceGroup } from '../shared/scope.ts';
import { checkComputeResourceName } from '../shared/validate.ts';
import { requireVmSize, reserveCapacity } from './capacity.ts';
import { planDataDisks } from './data-disks.ts';
import { chooseImage } from './image-choice.ts';
import { diskIdIn, type MachineAction } from './machine-jobs.ts';
import { enqueueMachineJob, refuseWhileBusy } from './machine-requests.ts';
import { changeVirtualMachine, checkDataDiskCount } from './update-machine.ts';
import { validateVirtualMachineBody, type VirtualMachineSpec } from './validate-virtual-machine.ts';
import {
  bootDiagnosticsBlob,
  virtualMachineId,
  type PowerState,
  type VirtualMachine,
  type VirtualMachineInternal,
  type VirtualMachineRecord,
} from './virtual-machine.ts';

const NAMESPACE = 'Microsoft.Compute';

export interface VmWriteResult {
  status: 200 | 201 | 202;
  vm: VirtualMachine;
  etag: string;
  operation?: OperationData;
}

/** PUT: a new VM is 201 with the create job's operation; an existing one changes (update-machine.ts). */
export async function createOrUpdateVirtualMachine(
  ctx: DomainContext,
  ref: ResourceRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
): Promise<VmWriteResult> {
  checkComputeResourceName(ref.name, 'name');
  const group = await requireWritableResourceGroup(ctx, ref.subscription, ref.resourceGroup);
  const id = virtualMachineId({ ...ref, resourceGroup: group.data.resource.name });
  const existing = await getResource<VirtualMachine, VirtualMachineInternal>(ctx, id);
  checkConditions(conditions, existing?.etag);
  if (existing) return changeVirtualMachine(ctx, id, body, { patch: false, conditions });
  const spec = validateVirtualMachineBody(ctx, body);
  if (spec.osDisk.id !== undefined)
    throw new ArmError(
      400,
      'InvalidParameter',
      "Kiln makes a new VM's OS disk FromImage: leave out 'properties.storageProfile.osDisk.managedDisk.id' (attaching an existing OS disk is not supported).",
      'properties.storageProfile.osDisk.managedDisk.id',
    );
  const size = requireVmSize(ctx, spec.vmSize, 'properties.hardwareProfile.vmSize');
  const key = resourceKey(id);
  const image = await chooseImage(ctx, spec.imageReference, ref.subscription, spec.location);
  const vmId = newGuid();
  const osDiskName = spec.osDisk.name ?? `${ref.name}_OsDisk_1_${vmId.replaceAll('-', '')}`;
  await refuseExistingDisk(ctx, ref, group.data.resource.name, osDiskName);
  return retryOnRace(async () => {
    const vm = newVirtualMachine(
      formatResourceId(id),
      ref.name,
      spec,
      image.imageReference,
      osDiskName,
      vmId,
      ctx.clock.now(),
    );
    const linked = new LinkedRecords(ctx);
    await attachInterfaces(linked, vm, spec);
    const disks = await planDataDisks(ctx, linked, vm, spec.dataDisks, { current: [], image, deallocated: false });
    checkDataDiskCount(disks.dataDisks, size);
    vm.properties.storageProfile.dataDisks = disks.dataDisks;
    const reservation = await reserveCapacity(ctx, key, size);
    const operation = startOperationOn(vm, { subscription: ref.subscription, namespace: NAMESPACE }, ctx.clock.now());
    const internal: VirtualMachineInternal = {
      power: 'starting',
      generalized: false,
      operation: operation.data,
      blobs: [bootDiagnosticsBlob(vm)],
      ...(spec.customData !== undefined ? { customData: spec.customData } : {}),
      ...(spec.adminPassword !== undefined ? { adminPassword: spec.adminPassword } : {}),
    };
    const record = resourceRecord(vm, internal);
    const [stored] = await ctx.store.apply([
      { op: 'put', record, expect: { absent: true } },
      ...linked.writes(),
      reservation,
      operation.write,
      ctx.jobs.enqueueWrite({
        task: 'virtualMachine.run',
        payload: {
          key: record.key,
          action: 'create',
          vmId,
          creationData: image.creationData,
          operation: operation.data,
        },
      }),
    ]);
    ctx.jobs.nudge();
    return { status: 201 as const, vm, etag: stored.etag, operation: operation.data };
  });
}

function newVirtualMachine(
  id: string,
  name: string,
  spec: VirtualMachineSpec,
  imageReference: VirtualMachine['properties']['storageProfile']['imageReference'],
  osDiskName: string,
  vmId: string,
  now: Date,
): VirtualMachine {
  const primary = spec.networkInterfaces.length === 1 ? 0 : spec.networkInterfaces.findIndex((nic) => nic.primary);
  return {
    id,
    name,
    type: 'Microsoft.Compute/virtualMachines',
    location: spec.location,
    ...(spec.tags ? { tags: spec.tags } : {}),
    properties: {
      vmId,
      hardwareProfile: { vmSize: spec.vmSize },
      storageProfile: {
        imageReference,
        osDisk: {
          osType: 'Linux',
          name: osDiskName,
          createOption: 'FromImage',
          caching: spec.osDisk.caching,
          managedDisk: { storageAccountType: spec.osDisk.storageAccountType, id: diskIdIn({ id }, osDiskName) },
          deleteOption: spec.osDisk.deleteOption,
          ...(spec.osDisk.diskSizeGB !== undefined ? { diskSizeGB: spec.osDisk.diskSizeGB } : {}),
        },
        dataDisks: [],
      },
      osProfile: {
        computerName: spec.computerName ?? name.slice(0, 64),
        adminUsername: spec.adminUsername,
        linuxConfiguration: {
          disablePasswordAuthentication: spec.disablePasswordAuthentication,
          ...(spec.publicKeys.length > 0 ? { ssh: { publicKeys: spec.publicKeys } } : {}),
          provisionVMAgent: true,
        },
        secrets: [],
        allowExtensionOperations: spec.allowExtensionOperations ?? true,
        requireGuestProvisionSignal: true,
      },
      networkProfile: {
        networkInterfaces: spec.networkInterfaces.map((nic, i) => ({
          id: nic.id,
          properties: { primary: i === primary, deleteOption: nic.deleteOption },
        })),
      },
      diagnosticsProfile: { bootDiagnostics: { enabled: spec.bootDiagnostics } },
      provisioningState: 'Creating',
      timeCreated: now.toISOString(),
    },
  };
}

/** Azure makes the OS disk by name in the VM's group: an existing disk of that name is the user's. */
async function refuseExistingDisk(ctx: DomainContext, ref: ResourceRef, group: string, name: string) {
  const disk = {
    subscription: ref.subscription,
    resourceGroup: group,
    namespace: NAMESPACE,
    types: [['disks', name]] as [string, string][],
  };
  if (await getResource(ctx, disk))
    throw new ArmError(
      409,
      'ConflictingUserInput',
      `Disk ${name} already exists in resource group ${group.toUpperCase()}. Only CreateOption.Attach is supported.`,
      'properties.storageProfile.osDisk.name',
    );
}

/** Each network interface names the VM back; one in use by another VM, or elsewhere, is refused. */
async function attachInterfaces(linked: LinkedRecords, vm: VirtualMachine, spec: VirtualMachineSpec) {
  const problems = new Problems();
  for (const [i, nic] of spec.networkInterfaces.entries()) {
    const at = `properties.networkProfile.networkInterfaces[${i}].id`;
    const id = parseResourceId(nic.id);
    const record = id && (await linked.get<NetworkInterface, unknown>(nic.id));
    if (!record) {
      problems.add(
        at,
        id ? resourceNotFound(id).message : `'${nic.id}' is not a network interface id.`,
        id ? 'NotFound' : 'LinkedInvalidPropertyId',
      );
      continue;
    }
    const props = record.resource.properties;
    if (props.virtualMachine && props.virtualMachine.id.toLowerCase() !== vm.id.toLowerCase())
      problems.add(
        at,
        `Network interface ${record.resource.id} is used by existing resource ${props.virtualMachine.id}. In order to create a new resource, use a different network interface.`,
        'NicInUse',
      );
    else if (record.resource.location !== vm.location)
      problems.add(
        at,
        `Network interface ${record.resource.id} is in '${record.resource.location}'; the VM is in '${vm.location}'. They must be in the same location.`,
        'InvalidResourceReference',
      );
    else props.virtualMachine = { id: vm.id };
  }
  problems.throwIfAny();
}

/** PATCH: the same change as a PUT of an existing VM, of the fields given (404 when there is no VM: a PATCH never creates one). */
export async function updateVirtualMachine(
  ctx: DomainContext,
  ref: ResourceRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
): Promise<VmWriteResult> {
  await getVirtualMachine(ctx, ref);
  return changeVirtualMachine(ctx, virtualMachineId(ref), body, { patch: true, conditions });
}

export async function getVirtualMachine(ctx: DomainContext, ref: ResourceRef): Promise<VirtualMachineRecord> {
  return (await requireResource<VirtualMachine, VirtualMachineInternal>(
    ctx,
    virtualMachineId(ref),
  )) as VirtualMachineRecord;
}

export function listVirtualMachines(ctx: DomainContext, where: ListScope, page: PageRequest) {
  return listInScope<VirtualMachine>(ctx, 'microsoft.compute/virtualmachines', where, page);
}

/** What each power action needs the VM to be, and the state it shows while its job works. */
const ACTIONS: Record<
  Exclude<MachineAction, 'create' | 'delete' | 'runCommand' | 'update'>,
  { from: PowerState[]; during: PowerState }
> = {
  start: { from: ['stopped', 'deallocated', 'running'], during: 'starting' },
  powerOff: { from: ['running', 'stopped', 'deallocated'], during: 'stopping' },
  restart: { from: ['running'], during: 'starting' },
  deallocate: { from: ['running', 'stopped', 'deallocated'], during: 'deallocating' },
};

/**
 * POST start, powerOff, restart, deallocate: 202 with the operation the VM's job finishes. A power-off
 * with `skipShutdown` stops the VM at once instead of asking the guest to shut down first.
 */
export async function virtualMachineAction(
  ctx: DomainContext,
  ref: ResourceRef,
  action: keyof typeof ACTIONS,
  { skipShutdown = false }: { skipShutdown?: boolean } = {},
): Promise<OperationData> {
  return retryOnRace(async () => {
    const record = await getVirtualMachine(ctx, ref);
    const { power, generalized } = record.data.internal;
    const name = record.data.resource.name;
    refuseWhileBusy(record, action);
    if (generalized && (action === 'start' || action === 'restart'))
      throw new ArmError(
        409,
        'OperationNotAllowed',
        `Operation '${action}' is not allowed on VM '${name}' since the VM is generalized.`,
      );
    if (!ACTIONS[action].from.includes(power))
      throw new ArmError(
        409,
        'OperationNotAllowed',
        `Operation '${action}' is not allowed on VM '${name}' since the VM is ${power}.`,
      );
    // A deallocated VM takes its allocation back as it starts, in the request's own batch.
    const reservation =
      action === 'start' && power === 'deallocated'
        ? [
            await reserveCapacity(
              ctx,
              record.key,
              requireVmSize(
                ctx,
                record.data.resource.properties.hardwareProfile.vmSize,
                'properties.hardwareProfile.vmSize',
              ),
            ),
          ]
        : [];
    return (
      await enqueueMachineJob(ctx, record, action, ACTIONS[action].during, {
        writes: reservation,
        ...(skipShutdown && action === 'powerOff' ? { hard: true } : {}),
      })
    ).operation;
  });
}

/** DELETE: 202; the job stops the VM and deletes or detaches its disks and interfaces (their deleteOption). */
export async function deleteVirtualMachine(ctx: DomainContext, ref: ResourceRef): Promise<OperationData | undefined> {
  const record = await getResource<VirtualMachine, VirtualMachineInternal>(ctx, virtualMachineId(ref));
  if (!record) return undefined;
  if (record.data.internal.operation && record.data.resource.properties.provisioningState === 'Deleting')
    return record.data.internal.operation;
  return (await enqueueMachineJob(ctx, record as VirtualMachineRecord, 'delete', 'stopping')).operation;
}

/** POST generalize: a stopped or deallocated VM becomes a source for images and gallery versions. */
export async function generalizeVirtualMachine(ctx: DomainContext, ref: ResourceRef): Promise<void> {
  const record = await getVirtualMachine(ctx, ref);
  refuseWhileBusy(record, 'generalize');
  const { power } = record.data.internal;
  if (power !== 'stopped' && power !== 'deallocated')
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `Operation 'generalize' is not allowed on VM '${record.data.resource.name}' since the VM is ${power}. Power it off or deallocate it first, after deprovisioning the guest (waagent -deprovision+user, or cloud-init clean).`,
    );
  await ctx.store.apply([
    {
      op: 'put',
      record: resourceRecord(record.data.resource, { ...record.data.internal, generalized: true }),
      expect: { etag: record.etag },
    },
  ]);
}
