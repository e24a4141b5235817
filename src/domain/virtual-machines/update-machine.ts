/**
 * A change of an existing VM: a PUT of it, or a PATCH (`updateVirtualMachine`), which is the same
 * change of the fields it gives. The body is laid over the VM as a GET shows it (objects merged,
 * arrays and other values replaced; a PUT's `tags` replace the VM's whole, absent meaning none), so a
 * client may send back what it read with a field changed, or only the fields it changes.
 *
 * Each field is one of two kinds, as on Azure:
 *  - fixed once the VM is made (`location`, `imageReference`, the OS disk's name, type, size and id,
 *    `osProfile`, the network interfaces): a change is Azure's 409 `PropertyChangeNotAllowed` at its
 *    path, every such field named at once;
 *  - changeable: `tags`, `hardwareProfile.vmSize` (a resize), the OS disk's and interfaces' caching and
 *    `deleteOption`, `osProfile.allowExtensionOperations`, boot diagnostics, and the data disks
 *    (data-disks.ts: attach, make, detach).
 * What needs no host work (tags, settings, the size of a VM that does not run) is written at once and
 * answered 200; disks to attach or detach, and a new size for a running VM, go to the VM's `update`
 * job (jobs/tasks/virtual-machine.ts): a running VM gets its disks hot-plugged and takes a new size by
 * restarting, as Azure resizes a running VM; a stopped one gets them at its next start. A new size is
 * checked against the size table and, for a VM holding an allocation, the host's capacity (its
 * allocation changes in the request's batch).
 */
import { ArmError } from '../../core/arm-error.ts';
import type { ResourceId } from '../../core/resource-id.ts';
import type { DomainContext } from '../context.ts';
import { LinkedRecords } from '../network/linked-records.ts';
import { retryOnRace } from '../shared/retry-on-race.ts';
import { getResource, resourceNotFound, resourceRecord } from '../shared/arm-resource.ts';
import { checkConditions, type Conditions } from '../shared/conditions.ts';
import { isObject } from '../shared/validate.ts';
import { requireVmSize, reserveCapacity } from './capacity.ts';
import { planDataDisks } from './data-disks.ts';
import { osDiskId } from './machine-jobs.ts';
import { enqueueMachineJob, refuseWhileBusy } from './machine-requests.ts';
import type { VmWriteResult } from './operations.ts';
import { validateVirtualMachineBody, type VirtualMachineSpec } from './validate-virtual-machine.ts';
import type { VmSize } from './vm-sizes.ts';
import type { DataDisk, VirtualMachine, VirtualMachineInternal, VirtualMachineRecord } from './virtual-machine.ts';

const SIZE = 'properties.hardwareProfile.vmSize';
const IMAGE = 'properties.storageProfile.imageReference';
const OS_DISK = 'properties.storageProfile.osDisk';
const OS = 'properties.osProfile';

export async function changeVirtualMachine(
  ctx: DomainContext,
  id: ResourceId,
  body: Record<string, unknown>,
  options: { patch: boolean; conditions?: Conditions },
): Promise<VmWriteResult> {
  return retryOnRace(async () => {
    const record = (await getResource<VirtualMachine, VirtualMachineInternal>(ctx, id)) as
      VirtualMachineRecord | undefined;
    if (!record) throw resourceNotFound(id);
    checkConditions(options.conditions, record.etag);
    refuseWhileBusy(record, options.patch ? 'PATCH' : 'PUT');
    const current = record.data.resource;
    const spec = validateVirtualMachineBody(ctx, laidOver(current, body, options.patch), true);
    const fixed = changedFixedFields(current, spec);
    const size = requireVmSize(ctx, spec.vmSize, SIZE);
    const { power } = record.data.internal;
    const linked = new LinkedRecords(ctx);
    const disks = await planDataDisks(ctx, linked, current, spec.dataDisks, {
      current: current.properties.storageProfile.dataDisks,
      deallocated: power === 'deallocated',
    });
    refuseChanges([...fixed, ...disks.unchangeable]);
    checkDataDiskCount(disks.dataDisks, size);
    const next = changed(current, spec, size, disks.dataDisks);
    const resized = size.name !== current.properties.hardwareProfile.vmSize;
    // A VM holding an allocation holds its new size's; a deallocated one takes it as it starts.
    const writes = [
      ...linked.writes(),
      ...(resized && power !== 'deallocated' ? [await reserveCapacity(ctx, record.key, size)] : []),
    ];
    const restart = resized && power === 'running';
    if (!restart && disks.attached.length === 0 && disks.detached.length === 0) {
      const [stored] = await ctx.store.apply([
        { op: 'put', record: resourceRecord(next, record.data.internal), expect: { etag: record.etag } },
        ...writes,
      ]);
      return { status: 200, vm: next, etag: stored.etag };
    }
    const detaching = [...(record.data.internal.detaching ?? []), ...disks.detached.map((d) => d.managedDisk.id)];
    const { operation, etag } = await enqueueMachineJob(ctx, record, 'update', restart ? 'starting' : power, {
      vm: next,
      internal: { detaching },
      writes,
      restart,
    });
    return {
      status: 200,
      vm: { ...next, properties: { ...next.properties, provisioningState: 'Updating' } },
      etag,
      operation,
    };
  });
}

/** Azure's refusal of a VM with more data disks than its size takes. */
export function checkDataDiskCount(disks: DataDisk[], size: VmSize): void {
  if (disks.length > size.maxDataDiskCount)
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `The maximum number of data disks allowed to be attached to a VM of this size is ${size.maxDataDiskCount}.`,
      'properties.storageProfile.dataDisks',
    );
}

/** The body a change is checked as: `body` laid over the VM as a GET shows it. */
function laidOver(vm: VirtualMachine, body: Record<string, unknown>, patch: boolean): Record<string, unknown> {
  const shown = {
    location: vm.location,
    tags: vm.tags,
    properties: structuredClone(vm.properties) as unknown as Record<string, unknown>,
  };
  const laid = merge(shown, body);
  if (!patch) laid.tags = body.tags;
  return laid;
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const result = { ...base };
  for (const [key, value] of Object.entries(over))
    result[key] = isObject(value) && isObject(base[key]) ? merge(base[key], value) : value;
  return result;
}

/** The paths of the fields a VM keeps from its making that the change would change. */
function changedFixedFields(vm: VirtualMachine, spec: VirtualMachineSpec): string[] {
  const changed: string[] = [];
  const same = (a: unknown, b: unknown) =>
    JSON.stringify(a ?? null).toLowerCase() === JSON.stringify(b ?? null).toLowerCase();
  const compare = (path: string, given: unknown, kept: unknown) => {
    if (!same(given, kept)) changed.push(path);
  };
  const { storageProfile, osProfile, networkProfile } = vm.properties;
  compare('location', spec.location, vm.location);
  for (const field of ['publisher', 'offer', 'sku', 'version', 'id'] as const)
    compare(`${IMAGE}.${field}`, spec.imageReference[field], storageProfile.imageReference[field]);
  const osDisk = storageProfile.osDisk;
  compare(`${OS_DISK}.name`, spec.osDisk.name, osDisk.name);
  compare(`${OS_DISK}.managedDisk.id`, spec.osDisk.id ?? osDiskId(vm), osDiskId(vm));
  compare(
    `${OS_DISK}.managedDisk.storageAccountType`,
    spec.osDisk.storageAccountType,
    osDisk.managedDisk.storageAccountType,
  );
  compare(`${OS_DISK}.diskSizeGB`, spec.osDisk.diskSizeGB, osDisk.diskSizeGB);
  compare(`${OS}.computerName`, spec.computerName, osProfile.computerName);
  compare(`${OS}.adminUsername`, spec.adminUsername, osProfile.adminUsername);
  // Neither is ever shown: one given is a change.
  if (spec.adminPassword !== undefined) changed.push(`${OS}.adminPassword`);
  if (spec.customData !== undefined) changed.push(`${OS}.customData`);
  const linux = `${OS}.linuxConfiguration`;
  compare(
    `${linux}.disablePasswordAuthentication`,
    spec.disablePasswordAuthentication,
    osProfile.linuxConfiguration.disablePasswordAuthentication,
  );
  compare(
    `${linux}.ssh.publicKeys`,
    spec.publicKeys.map((key) => key.keyData),
    (osProfile.linuxConfiguration.ssh?.publicKeys ?? []).map((key) => key.keyData),
  );
  const nics = networkProfile.networkInterfaces;
  const primary = nics.findIndex((nic) => nic.properties.primary);
  const givenPrimary = spec.networkInterfaces.length === 1 ? 0 : spec.networkInterfaces.findIndex((nic) => nic.primary);
  compare(
    'properties.networkProfile.networkInterfaces',
    [spec.networkInterfaces.map((nic) => nic.id), givenPrimary],
    [nics.map((nic) => nic.id), primary],
  );
  return changed;
}

/** Azure's 409 naming every field that cannot change, each at its path. */
function refuseChanges(paths: string[]): void {
  if (paths.length === 0) return;
  const details = paths.map((path) => ({
    code: 'PropertyChangeNotAllowed',
    message: `Changing property '${path}' is not allowed.`,
    target: path,
  }));
  throw new ArmError(
    409,
    'PropertyChangeNotAllowed',
    paths.length === 1
      ? details[0].message
      : `Changing properties ${paths.map((p) => `'${p}'`).join(', ')} is not allowed.`,
    paths[0],
    paths.length === 1 ? [] : details,
  );
}

/** The VM with the change's changeable fields. */
function changed(vm: VirtualMachine, spec: VirtualMachineSpec, size: VmSize, dataDisks: DataDisk[]): VirtualMachine {
  const { tags: _, ...untagged } = vm;
  const props = vm.properties;
  return {
    ...untagged,
    ...(spec.tags ? { tags: spec.tags } : {}),
    properties: {
      ...props,
      hardwareProfile: { vmSize: size.name },
      storageProfile: {
        ...props.storageProfile,
        osDisk: {
          ...props.storageProfile.osDisk,
          caching: spec.osDisk.caching,
          deleteOption: spec.osDisk.deleteOption,
        },
        dataDisks,
      },
      networkProfile: {
        networkInterfaces: props.networkProfile.networkInterfaces.map((nic, i) => ({
          ...nic,
          properties: { ...nic.properties, deleteOption: spec.networkInterfaces[i].deleteOption },
        })),
      },
      osProfile: {
        ...props.osProfile,
        allowExtensionOperations: spec.allowExtensionOperations ?? props.osProfile.allowExtensionOperations,
      },
      diagnosticsProfile: { bootDiagnostics: { enabled: spec.bootDiagnostics } },
    },
  };
}
