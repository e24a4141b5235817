/**
 * What a VM's data disks become after a request (its PUT, or a change of it): the disks it keeps at
 * their LUNs (with the caching and deleteOption given), the ones it lets go (left out of the list, or
 * `toBeDetached`), and the ones it gets: an existing disk attached (`Attach`), or a disk the VM's job
 * makes through the disk operation, empty (`Empty`) or from the image's data disk at that LUN
 * (`FromImage`, when the VM is created; the image's data disks the body leaves out are added so).
 *
 * Checked as Azure checks them, before anything is written: an attached disk must exist in the VM's
 * region, hold its bytes and belong to no other VM (409 ConflictingUserInput); a disk made anew must
 * not exist yet; a disk appears once. An attached disk names the VM (`managedBy`) in the request's own
 * batch (the LinkedRecords writes, with the etag each was read at), so two VMs cannot both take it.
 */
import { ArmError, Problems } from '../../core/arm-error.ts';
import { newGuid } from '../../core/ids.ts';
import { parseResourceId, resourceTypeOf } from '../../core/resource-id.ts';
import type { DomainContext } from '../context.ts';
import type { Disk, DiskInternal } from '../disks/disk.ts';
import type { LinkedRecords } from '../network/linked-records.ts';
import { resourceNotFound } from '../shared/arm-resource.ts';
import { imageDataDiskGB, type ImageChoice } from './image-choice.ts';
import { diskIdIn, osDiskId } from './machine-jobs.ts';
import { conflictingDiskId, type DataDiskSpec } from './validate-data-disks.ts';
import type { DataDisk, VirtualMachine } from './virtual-machine.ts';

export interface DataDiskPlan {
  /** The VM's data disks once the request is done. */
  dataDisks: DataDisk[];
  /** The disks it gets. */
  attached: DataDisk[];
  /** The disks it lets go. */
  detached: DataDisk[];
  /** Paths of kept disks' fields the request changes that cannot change. */
  unchangeable: string[];
}

export interface DataDiskContext {
  /** The VM's data disks now ([] for a new VM). */
  current: DataDisk[];
  /** The image of a VM being created, whose data disks it gets. */
  image?: ImageChoice;
  /** The VM holds no allocation: an attached disk is `Reserved`, not `Attached`. */
  deallocated: boolean;
}

const DISKS_TYPE = 'microsoft.compute/disks';
const DEFAULT_SKU = 'Premium_LRS';

export async function planDataDisks(
  ctx: DomainContext,
  linked: LinkedRecords,
  vm: VirtualMachine,
  specs: DataDiskSpec[] | undefined,
  context: DataDiskContext,
): Promise<DataDiskPlan> {
  const { current, image } = context;
  if (specs === undefined && !image) return { dataDisks: current, attached: [], detached: [], unchangeable: [] };
  const request: Request = { ctx, linked, vm, context, problems: new Problems(), conflicts: [] };
  const plan: DataDiskPlan = { dataDisks: [], attached: [], detached: [], unchangeable: [] };
  const given = specs ?? [];
  const named = new Set<DataDisk>();
  for (const spec of given) {
    const kept = current.find((disk) => disk.lun === spec.lun && sameDisk(spec, disk));
    const moved = !kept && !spec.toBeDetached ? current.find((disk) => sameDisk(spec, disk)) : undefined;
    if (moved) {
      // An attached disk stays at its LUN: a move is a detach and an attach, two requests on Azure.
      named.add(moved);
      plan.unchangeable.push(`${spec.at}.lun`);
      plan.dataDisks.push(moved);
      continue;
    }
    if (kept) {
      named.add(kept);
      if (spec.toBeDetached) plan.detached.push(kept);
      else plan.dataDisks.push(keep(kept, spec, plan.unchangeable));
      continue;
    }
    if (spec.toBeDetached) {
      request.problems.add(`${spec.at}.toBeDetached`, `No data disk at LUN ${spec.lun} is attached to detach.`);
      continue;
    }
    const disk = spec.createOption === 'Attach' ? await attach(request, spec) : await makeAnew(request, spec);
    if (disk) plan.attached.push(disk);
  }
  for (const disk of current) if (!named.has(disk)) plan.detached.push(disk);
  // The image's data disks the body leaves out come with the VM, as Azure makes them.
  for (const lun of image?.dataDiskLuns ?? []) {
    if (given.some((spec) => spec.lun === lun)) continue;
    const at = 'properties.storageProfile.dataDisks';
    const made = await makeAnew(request, { at, lun, createOption: 'FromImage', toBeDetached: false });
    if (made) plan.attached.push(made);
  }
  plan.dataDisks.push(...plan.attached);
  checkOnce(plan.dataDisks, given, vm, request.problems);
  request.problems.throwIfAny();
  if (request.conflicts.length > 0) throw request.conflicts[0];
  return plan;
}

/** What one request's checks share: refusals collected, 400s first, then the first 409. */
interface Request {
  ctx: DomainContext;
  linked: LinkedRecords;
  vm: VirtualMachine;
  context: DataDiskContext;
  problems: Problems;
  conflicts: ArmError[];
}

/** The entry names this disk: by id, or by name when it gives none. */
const sameDisk = (spec: DataDiskSpec, disk: DataDisk) =>
  spec.id !== undefined
    ? spec.id.toLowerCase() === disk.managedDisk.id.toLowerCase()
    : spec.name !== undefined && spec.name.toLowerCase() === disk.name.toLowerCase();

/**
 * A kept disk with the settings a VM may change (caching, deleteOption); its name, size and type stay
 * the disk's (a change of one is refused at its path). Its `createOption` says how it came to the VM and
 * stays so: a client sending the list back may name a kept disk `Attach`.
 */
function keep(disk: DataDisk, spec: DataDiskSpec, unchangeable: string[]): DataDisk {
  if (spec.name !== undefined && spec.name.toLowerCase() !== disk.name.toLowerCase())
    unchangeable.push(`${spec.at}.name`);
  if (spec.createOption !== disk.createOption && spec.createOption !== 'Attach')
    unchangeable.push(`${spec.at}.createOption`);
  if (spec.diskSizeGB !== undefined && spec.diskSizeGB !== disk.diskSizeGB) unchangeable.push(`${spec.at}.diskSizeGB`);
  if (spec.storageAccountType !== undefined && spec.storageAccountType !== disk.managedDisk.storageAccountType)
    unchangeable.push(`${spec.at}.managedDisk.storageAccountType`);
  return {
    ...disk,
    caching: spec.caching ?? disk.caching,
    deleteOption: spec.deleteOption ?? disk.deleteOption,
    ...writeAccelerator(spec, disk),
  };
}

/** `writeAcceleratorEnabled` as the request gives it (only false: Kiln has no write accelerator), else as the disk had it. */
function writeAccelerator(spec: DataDiskSpec, disk?: DataDisk): Pick<DataDisk, 'writeAcceleratorEnabled'> {
  const value = spec.writeAcceleratorEnabled ?? disk?.writeAcceleratorEnabled;
  return value === undefined ? {} : { writeAcceleratorEnabled: value };
}

/** An existing disk attached: it exists in the VM's region, has its bytes and no other VM. */
async function attach(
  { linked, vm, context, problems, conflicts }: Request,
  spec: DataDiskSpec,
): Promise<DataDisk | undefined> {
  const at = `${spec.at}.managedDisk.id`;
  const id = parseResourceId(spec.id!);
  if (!id || resourceTypeOf(id) !== DISKS_TYPE || id.resourceGroup === undefined) {
    problems.add(
      at,
      `Property id '${spec.id}' at path '${at}' is invalid. Expect fully qualified resource Id that start with '/subscriptions/{subscriptionId}' and names a managed disk.`,
      'LinkedInvalidPropertyId',
    );
    return undefined;
  }
  const record = await linked.get<Disk, DiskInternal>(spec.id!);
  if (!record) {
    problems.add(at, resourceNotFound(id).message, 'NotFound');
    return undefined;
  }
  const disk = record.resource;
  if (disk.location.toLowerCase() !== vm.location.toLowerCase())
    problems.add(
      at,
      `Disk ${disk.id} is in '${disk.location}'; the VM is in '${vm.location}'. A VM attaches disks of its own region.`,
    );
  if (spec.name !== undefined && spec.name.toLowerCase() !== disk.name.toLowerCase())
    problems.add(`${spec.at}.name`, `'${spec.at}.name' is '${spec.name}', but the disk it attaches is '${disk.name}'.`);
  if (disk.managedBy?.toLowerCase() === vm.id.toLowerCase())
    conflicts.push(
      new ArmError(
        409,
        'AttachDiskWhileBeingDetached',
        `Cannot attach data disk '${disk.name}' to VM '${vm.name}' because the disk is currently being detached or the last detach operation failed. Please wait until the disk is completely detached and then try again or delete/detach the disk explicitly again.`,
        at,
      ),
    );
  else if (disk.managedBy)
    conflicts.push(
      new ArmError(
        409,
        'ConflictingUserInput',
        `Disk '${disk.id}' cannot be attached as the disk is already owned by VM '${disk.managedBy}'.`,
        at,
      ),
    );
  else if (disk.properties.provisioningState !== 'Succeeded' || disk.properties.diskState !== 'Unattached')
    conflicts.push(
      new ArmError(
        409,
        'OperationNotAllowed',
        `Disk '${disk.name}' cannot be attached while it is ${disk.properties.provisioningState === 'Succeeded' ? disk.properties.diskState : disk.properties.provisioningState}: it needs its bytes and no upload or download open (revoke access first).`,
        at,
      ),
    );
  else {
    disk.managedBy = vm.id;
    disk.properties.diskState = context.deallocated ? 'Reserved' : 'Attached';
  }
  return {
    lun: spec.lun,
    name: disk.name,
    createOption: 'Attach',
    caching: spec.caching ?? 'None',
    managedDisk: { storageAccountType: disk.sku.name, id: disk.id },
    deleteOption: spec.deleteOption ?? 'Detach',
    diskSizeGB: disk.properties.diskSizeGB,
    ...writeAccelerator(spec),
    toBeDetached: false,
  };
}

/** A disk the VM's job makes (empty, or from the image's data disk at its LUN), in the VM's group; no disk may have its name yet. */
async function makeAnew(
  { ctx, linked, vm, context, problems, conflicts }: Request,
  spec: DataDiskSpec,
): Promise<DataDisk | undefined> {
  if (spec.id !== undefined) {
    conflictingDiskId(spec, problems);
    return undefined;
  }
  let diskSizeGB = spec.diskSizeGB;
  if (spec.createOption === 'FromImage') {
    const image = context.image;
    if (!image) {
      problems.add(
        `${spec.at}.createOption`,
        `A data disk is made 'FromImage' only with the VM, from its image's data disk at that LUN; attach an existing disk ('Attach') or make an empty one ('Empty').`,
      );
      return undefined;
    }
    if (!image.dataDiskLuns.includes(spec.lun)) {
      problems.add(
        `${spec.at}.lun`,
        `The image has no data disk at LUN ${spec.lun}${image.dataDiskLuns.length > 0 ? ` (it has LUNs ${image.dataDiskLuns.join(', ')})` : ''}: a data disk made 'FromImage' copies the image's data disk at its LUN.`,
      );
      return undefined;
    }
    diskSizeGB = await imageDataDiskGB(ctx, image, spec.lun, vm.location, spec.diskSizeGB, spec.at);
  } else if (context.image?.dataDiskLuns.includes(spec.lun)) {
    problems.add(
      `${spec.at}.lun`,
      `LUN ${spec.lun} holds the image's data disk: give it createOption 'FromImage', or use another LUN.`,
    );
    return undefined;
  }
  const name = spec.name ?? `${vm.name}_disk${spec.lun + 2}_${newGuid().replaceAll('-', '')}`;
  const id = diskIdIn(vm, name);
  if (await linked.get(id))
    conflicts.push(
      new ArmError(
        409,
        'ConflictingUserInput',
        `Disk ${name} already exists in resource group ${parseResourceId(vm.id)!.resourceGroup!.toUpperCase()}. Only CreateOption.Attach is supported.`,
        `${spec.at}.name`,
      ),
    );
  return {
    lun: spec.lun,
    name,
    createOption: spec.createOption,
    caching: spec.caching ?? 'None',
    managedDisk: { storageAccountType: spec.storageAccountType ?? DEFAULT_SKU, id },
    deleteOption: spec.deleteOption ?? 'Detach',
    ...(diskSizeGB !== undefined ? { diskSizeGB } : {}),
    ...writeAccelerator(spec),
    toBeDetached: false,
  };
}

/** No disk twice, nor the VM's OS disk as a data disk. */
function checkOnce(disks: DataDisk[], given: DataDiskSpec[], vm: VirtualMachine, problems: Problems): void {
  const os = osDiskId(vm).toLowerCase();
  const seen = new Set<string>();
  for (const disk of disks) {
    const at = given.find((spec) => spec.lun === disk.lun)?.at ?? 'properties.storageProfile.dataDisks';
    const id = disk.managedDisk.id.toLowerCase();
    if (id === os) problems.add(`${at}.managedDisk.id`, `Disk ${disk.name} is the VM's OS disk.`);
    else if (seen.has(id)) problems.add(`${at}.managedDisk.id`, `Disk ${disk.name} is given at two LUNs.`);
    seen.add(id);
  }
}
