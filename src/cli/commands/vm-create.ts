/**
 * `kiln vm create`, as `az vm create`: the network the VM needs when not given (vm-network.ts), its
 * SSH keys (vm-ssh-keys.ts), then the VM; once it runs, az's summary (vm-details.ts). `--image` is a
 * platform image URN `Publisher:Offer:Sku:Version` (`latest` allowed), a managed image, gallery image
 * version or gallery image definition id (its latest version), or the name of a managed image in the
 * group. The admin user is az's default: the current user's name, or `azureuser` when that name is
 * one Azure reserves. A VM the API refuses at once (a bad size or image) leaves none of the network
 * this command made behind; one that fails later stays, with what it uses, for `vm show` and
 * `vm delete`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { ArmError } from '../../core/arm-error.ts';
import { DISK_SKUS } from '../../core/disk-skus.ts';
import { parseResourceId } from '../../core/resource-id.ts';
import { UsageError, type Args } from '../arm/args.ts';
import type { CommandSpec } from '../arm/command.ts';
import { LOCATION, locationOf, nameFlags, resourceId, TAGS, tagsOf, waiting } from '../arm/resources.ts';
import type { Session } from '../arm/session.ts';
import { IMAGE } from './image.ts';
import { createSummary, vmPath } from './vm-details.ts';
import { VM } from './vm-kinds.ts';
import { prepareNetwork, removeCreated } from './vm-network.ts';
import { SSH_KEY_TYPES, sshPublicKeys } from './vm-ssh-keys.ts';

/** azure-cli's DISALLOWED_USER_NAMES: a current user named so gets `azureuser` instead. */
const DISALLOWED_USER_NAMES = (
  'administrator admin user user1 test user2 test1 user3 admin1 1 123 a actuser adm admin2 aspnet backup console ' +
  'guest owner root server sql support support_388945a0 sys test2 test3 user4 user5'
).split(' ');
const DELETE_OPTIONS = ['Delete', 'Detach'];
const names = '-g MyResourceGroup -n MyVm';

export const createVm: CommandSpec = {
  name: 'create',
  summary: 'Create a virtual machine, with the network, security group and public IP it needs.',
  flags: [
    ...nameFlags(VM),
    {
      name: 'image',
      required: true,
      help: 'A platform image URN (Publisher:Offer:Sku:Version, version may be latest), a managed image, gallery image version or definition id, or the name of a managed image in the group.',
    },
    { name: 'size', default: 'Standard_B1s', help: "The VM size: 'kiln vm list-sizes -l LOCATION' lists them." },
    { name: 'admin-username', help: "Admin user. Default: the current user's name, azureuser if Azure reserves it." },
    { name: 'admin-password', help: 'Password of the admin user (password or both password and SSH key login).' },
    {
      name: 'ssh-key-values',
      kind: 'list',
      help: 'Space-separated SSH public keys or public key file paths. Default: ~/.ssh/id_rsa.pub (id_ed25519.pub with --ssh-key-type Ed25519).',
    },
    {
      name: 'generate-ssh-keys',
      kind: 'switch',
      help: 'Generate SSH public and private key files in ~/.ssh if missing (RSA 2048, or Ed25519 with --ssh-key-type).',
    },
    { name: 'ssh-key-type', values: SSH_KEY_TYPES, default: 'RSA', help: 'The type of key --generate-ssh-keys makes.' },
    { name: 'custom-data', help: 'Custom init script file or text (cloud-init, cloud-config, ...).' },
    { name: 'computer-name', help: "The VM's host name. Default: the VM's name." },
    { name: 'os-disk-name', help: 'The name of the new OS disk.' },
    { name: 'os-disk-size-gb', help: "OS disk size in GB. Default: the image's." },
    { name: 'storage-sku', values: DISK_SKUS, help: 'The SKU of the OS disk (and of the data disks).' },
    {
      name: 'data-disk-sizes-gb',
      kind: 'list',
      help: 'Space-separated sizes in GB of empty managed data disks to create, at LUNs 0, 1, ...',
    },
    { name: 'data-disk-caching', values: ['None', 'ReadOnly', 'ReadWrite'], help: 'Caching of the data disks.' },
    {
      name: 'data-disk-delete-option',
      values: DELETE_OPTIONS,
      help: 'What happens to the data disks when the VM is deleted.',
    },
    {
      name: 'os-disk-delete-option',
      values: DELETE_OPTIONS,
      help: 'What happens to the OS disk when the VM is deleted.',
    },
    {
      name: 'nic-delete-option',
      values: DELETE_OPTIONS,
      help: 'What happens to the interfaces when the VM is deleted.',
    },
    { name: 'vnet-name', help: "The virtual network to join or make. Default: one of the group's, else <vm>VNET." },
    { name: 'subnet', help: 'The subnet: a name in --vnet-name, or an id. Default: <vm>Subnet.' },
    { name: 'vnet-address-prefix', help: 'Address prefix of a new virtual network. Default: 10.0.0.0/16.' },
    { name: 'subnet-address-prefix', help: 'Address prefix of a new subnet. Default: 10.0.0.0/24.' },
    { name: 'nsg', help: 'The network security group to use or make. Default: <vm>NSG. "" for none.' },
    { name: 'nsg-rule', values: ['SSH', 'NONE'], default: 'SSH', help: 'The inbound rule of a new security group.' },
    { name: 'public-ip-address', help: 'The public IP to use or make. Default: <vm>PublicIP. "" for none.' },
    { name: 'public-ip-sku', values: ['Basic', 'Standard'], default: 'Standard', help: 'The SKU of a new public IP.' },
    {
      name: 'nics',
      kind: 'list',
      help: 'Existing network interfaces (names or ids) instead of a new one; the first is primary.',
    },
    LOCATION,
    TAGS,
  ],
  examples: [
    {
      title: 'A Debian VM with SSH keys from ~/.ssh (made if missing), reachable on its public IP.',
      command: `kiln vm create ${names} --image Debian:debian-12:12:latest --generate-ssh-keys`,
    },
    {
      title: 'From a gallery image version, with a cloud-init file, deleting its disk with it.',
      command: `kiln vm create ${names} --image /subscriptions/SUB/resourceGroups/images/providers/Microsoft.Compute/galleries/MyGallery/images/MyImage/versions/1.0.0 --custom-data cloud-init.yaml --os-disk-delete-option Delete`,
    },
    {
      title: 'Without a public IP, in an existing network.',
      command: `kiln vm create ${names} --image MyImage --vnet-name MyVnet --subnet default --public-ip-address ""`,
    },
  ],
  longRunning: true,
  async run(ctx) {
    const { args } = ctx;
    const session = await ctx.session();
    const name = args.required('name');
    const location = await locationOf(session, args);
    const tags = tagsOf(args);
    const imageReference = await imageOf(session, args);
    const password = args.string('admin-password');
    const keys =
      password !== undefined && !args.list('ssh-key-values') && !args.bool('generate-ssh-keys')
        ? []
        : await sshPublicKeys(args, (text) => ctx.progress.line(`WARNING: ${text}`));
    const adminUsername =
      args.string('admin-username') ?? defaultAdminUsername((text) => ctx.progress.line(`WARNING: ${text}`));
    const customData = await customDataOf(args);
    const network = await prepareNetwork(ctx, session, { name, location, tags });
    const body = {
      location,
      tags,
      properties: {
        hardwareProfile: { vmSize: args.required('size') },
        storageProfile: {
          imageReference,
          osDisk: {
            createOption: 'FromImage',
            name: args.string('os-disk-name'),
            diskSizeGB: args.integer('os-disk-size-gb'),
            deleteOption: args.string('os-disk-delete-option'),
            managedDisk: args.string('storage-sku') ? { storageAccountType: args.string('storage-sku') } : undefined,
          },
          dataDisks: dataDisksOf(args),
        },
        osProfile: {
          computerName: args.string('computer-name') ?? name,
          adminUsername,
          adminPassword: password,
          customData,
          linuxConfiguration: {
            disablePasswordAuthentication: password === undefined,
            ssh: keys.length
              ? {
                  publicKeys: keys.map((keyData) => ({ path: `/home/${adminUsername}/.ssh/authorized_keys`, keyData })),
                }
              : undefined,
          },
        },
        networkProfile: {
          networkInterfaces: network.nics.map((id, i) => ({
            id,
            properties: { primary: i === 0, deleteOption: args.string('nic-delete-option') },
          })),
        },
      },
    };
    let accepted = false;
    try {
      ctx.progress.update('- Creating virtual machine ..');
      await session.client.longRunning('PUT', vmPath(session, args), VM.apiVersion, {
        body,
        onResponse: () => (accepted = true),
        ...waiting(ctx),
      });
    } catch (error) {
      if (!accepted) await removeCreated(ctx, session, network.created);
      throw error;
    }
    return ctx.noWait ? undefined : createSummary(session, args);
  },
};

/** `--image` as the VM's imageReference. */
async function imageOf(session: Session, args: Args): Promise<Record<string, string>> {
  const image = args.required('image');
  const urn = image.split(':');
  if (urn.length === 4 && urn.every(Boolean)) {
    const [publisher, offer, sku, version] = urn;
    return { publisher, offer, sku, version };
  }
  if (parseResourceId(image)) return { id: image };
  if (!image.includes('/')) {
    const id = resourceId(IMAGE, session.subscription, args.required('resource-group'), [image]);
    try {
      await session.client.get(id, IMAGE.apiVersion);
      return { id };
    } catch (error) {
      if (!(error instanceof ArmError && error.status === 404)) throw error;
    }
  }
  throw new Error(
    `Invalid image "${image}". Use a valid image URN (Publisher:Offer:Sku:Version, see 'kiln platform-image list'), a managed image name in the resource group, or a managed image, gallery image version or definition id.`,
  );
}

/** `--data-disk-sizes-gb` as az makes them: empty disks at LUNs 0, 1, ... with the caching, SKU and delete option given. */
function dataDisksOf(args: Args) {
  return args.list('data-disk-sizes-gb')?.map((size, lun) => {
    if (!/^\d+$/.test(size)) throw new UsageError(`argument --data-disk-sizes-gb: invalid int value: '${size}'`);
    return {
      lun,
      createOption: 'Empty',
      diskSizeGB: Number(size),
      caching: args.string('data-disk-caching'),
      deleteOption: args.string('data-disk-delete-option'),
      managedDisk: args.string('storage-sku') ? { storageAccountType: args.string('storage-sku') } : undefined,
    };
  });
}

/** azure-cli's get_default_admin_username: getpass.getuser(), which reads the environment first. */
function defaultAdminUsername(warn: (text: string) => void): string {
  const { LOGNAME, USER, LNAME, USERNAME } = process.env;
  const user = LOGNAME || USER || LNAME || USERNAME || userInfo().username;
  if (!DISALLOWED_USER_NAMES.includes(user.toLowerCase())) return user;
  warn(`Default username ${user} is a reserved username. Use azureuser instead.`);
  return 'azureuser';
}

/** A file's content, or the text itself, base64 as the API takes it (az's read_content_if_is_file). */
async function customDataOf(args: Args): Promise<string | undefined> {
  const value = args.string('custom-data');
  if (value === undefined) return undefined;
  const content = existsSync(value) ? await readFile(value) : Buffer.from(value);
  return content.toString('base64');
}
