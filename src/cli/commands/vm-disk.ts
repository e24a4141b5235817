/**
 * Changes of an existing VM, as az makes them (azure-cli's get_vm_to_update and set_vm): GET the VM,
 * change it, PUT it back without its image reference (az leaves it out, so no read of the image is
 * needed). `vm disk attach` adds a data disk at the first free LUN unless `--lun` says (an existing
 * disk by name or id, or with `--new` an empty one made with the VM); `vm disk detach` takes one off
 * by name; neither prints anything, as az. `vm resize` sets the size and prints the VM; a running VM
 * restarts to take it, as on Azure.
 */
import { DISK_SKUS } from '../../core/disk-skus.ts';
import { parseResourceId } from '../../core/resource-id.ts';
import type { Args } from '../arm/args.ts';
import type { CommandSpec, Context, GroupSpec } from '../arm/command.ts';
import { RESOURCE_GROUP, resourceId, waiting } from '../arm/resources.ts';
import type { Session } from '../arm/session.ts';
import { DISK } from './disk.ts';
import { getVm, vmPath } from './vm-details.ts';
import { VM } from './vm-kinds.ts';

interface DataDisk {
  lun: number;
  name?: string;
  createOption: string;
  caching?: string;
  diskSizeGB?: number;
  managedDisk?: { id?: string; storageAccountType?: string };
}

const CACHING = ['None', 'ReadOnly', 'ReadWrite'];
const VM_NAME = { name: 'vm-name', required: true, help: 'The name of the virtual machine.' };
const disks = '-g MyResourceGroup --vm-name MyVm';

/** The VM as a GET shows it, without the image reference a change does not send. */
async function vmToUpdate(session: Session, path: string): Promise<{ properties: Record<string, unknown> }> {
  const vm = await getVm(session, path);
  const { imageReference: _, ...storageProfile } = vm.properties.storageProfile as Record<string, unknown>;
  return { ...vm, properties: { ...vm.properties, storageProfile } };
}

/** PUT the changed VM back, waiting for its change as az does; answers the VM. */
function setVm(ctx: Context, session: Session, path: string, vm: unknown) {
  return session.client.longRunning('PUT', path, VM.apiVersion, { body: vm, ...waiting(ctx) });
}

/** The VM that `vm disk` commands name (-g, --vm-name), to change. */
async function diskVm(ctx: Context) {
  const session = await ctx.session();
  const { args } = ctx;
  const path = resourceId(VM, session.subscription, args.required('resource-group'), [args.required('vm-name')]);
  return { session, path, vm: await vmToUpdate(session, path) };
}

const dataDisksOf = (vm: { properties: Record<string, unknown> }) =>
  ((vm.properties.storageProfile as { dataDisks?: DataDisk[] }).dataDisks ?? []) as DataDisk[];

/** azure-cli's _get_disk_lun: the first LUN from 0 that no data disk has. */
function firstFreeLun(dataDisks: DataDisk[]): number {
  const used = new Set(dataDisks.map((disk) => disk.lun));
  let lun = 0;
  while (used.has(lun)) lun++;
  return lun;
}

const withDataDisks = <T extends { properties: Record<string, unknown> }>(vm: T, dataDisks: DataDisk[]): T => ({
  ...vm,
  properties: { ...vm.properties, storageProfile: { ...(vm.properties.storageProfile as object), dataDisks } },
});

/** A disk name (in the VM's group) or id, as az's --name takes it. */
function diskIdOf(session: Session, args: Args, disk: string): string {
  return parseResourceId(disk) ? disk : resourceId(DISK, session.subscription, args.required('resource-group'), [disk]);
}

const attach: CommandSpec = {
  name: 'attach',
  summary: 'Attach a managed disk to a VM, or a new empty one with --new; a running VM gets it at once.',
  flags: [
    RESOURCE_GROUP,
    VM_NAME,
    { name: 'name', short: 'n', required: true, help: 'The name or ID of the managed disk.' },
    { name: 'new', kind: 'switch', help: 'Create a new empty disk.' },
    { name: 'size-gb', short: 'z', help: 'Size in GB of a new disk. Default: 1023.' },
    { name: 'sku', values: DISK_SKUS, help: 'Underlying storage SKU.' },
    { name: 'lun', help: '0-based logical unit number (LUN). Default: the first free one.' },
    { name: 'caching', values: CACHING, help: 'Disk caching policy.' },
  ],
  examples: [
    { title: 'Attach an existing disk.', command: `kiln vm disk attach ${disks} --name MyDataDisk` },
    {
      title: 'Attach a new 10 GB disk at LUN 2.',
      command: `kiln vm disk attach ${disks} --name MyNewDisk --new --size-gb 10 --lun 2`,
    },
  ],
  longRunning: true,
  async run(ctx) {
    const { args } = ctx;
    const { session, path, vm } = await diskVm(ctx);
    const current = dataDisksOf(vm);
    const lun = args.integer('lun') ?? firstFreeLun(current);
    const name = args.required('name');
    const sku = args.string('sku');
    const caching = args.string('caching');
    const disk: DataDisk = args.bool('new')
      ? {
          lun,
          name: parseResourceId(name)?.types.at(-1)?.[1] ?? name,
          createOption: 'Empty',
          diskSizeGB: args.integer('size-gb') ?? 1023,
          ...(caching ? { caching } : {}),
          managedDisk: sku ? { storageAccountType: sku } : {},
        }
      : {
          lun,
          createOption: 'Attach',
          ...(caching ? { caching } : {}),
          managedDisk: { id: diskIdOf(session, args, name), ...(sku ? { storageAccountType: sku } : {}) },
        };
    await setVm(ctx, session, path, withDataDisks(vm, [...current, disk]));
    return undefined;
  },
};

const detach: CommandSpec = {
  name: 'detach',
  summary: 'Detach a managed data disk from a VM; a running VM lets it go at once, what it wrote kept.',
  flags: [RESOURCE_GROUP, VM_NAME, { name: 'name', short: 'n', required: true, help: 'The data disk name.' }],
  examples: [{ title: 'Detach a data disk.', command: `kiln vm disk detach ${disks} --name MyDataDisk` }],
  longRunning: true,
  async run(ctx) {
    const { args } = ctx;
    const { session, path, vm } = await diskVm(ctx);
    const name = args.required('name');
    const current = dataDisksOf(vm);
    const left = current.filter((disk) => disk.name?.toLowerCase() !== name.toLowerCase());
    if (left.length === current.length) throw new Error(`No disk with the name '${name}' was found`);
    await setVm(ctx, session, path, withDataDisks(vm, left));
    return undefined;
  },
};

export const vmDisk: GroupSpec = {
  name: 'disk',
  summary: "Manage a VM's managed data disks.",
  commands: [attach, detach],
};

export const resizeVm: CommandSpec = {
  name: 'resize',
  summary: 'Change the size of a VM; a running VM restarts to take it.',
  flags: [
    RESOURCE_GROUP,
    { ...VM.segments[0].flag, required: true },
    { name: 'size', required: true, help: "The new size: 'kiln vm list-sizes -l LOCATION' lists them." },
  ],
  examples: [{ title: 'Resize a VM.', command: 'kiln vm resize -g MyResourceGroup -n MyVm --size Standard_B2s' }],
  longRunning: true,
  async run(ctx) {
    const session = await ctx.session();
    const path = vmPath(session, ctx.args);
    const vm = await vmToUpdate(session, path);
    const hardware = vm.properties.hardwareProfile as { vmSize: string } | undefined;
    const size = ctx.args.required('size');
    if (hardware?.vmSize === size) {
      ctx.progress.line(`WARNING: VM is already ${size}`);
      return undefined;
    }
    return setVm(ctx, session, path, { ...vm, properties: { ...vm.properties, hardwareProfile: { vmSize: size } } });
  },
};
