/**
 * `kiln vm`: virtual machines, as `az vm`: create (vm-create.ts), list and show (with az's
 * `--show-details`), the power actions, delete, the instance view, sizes, generalize, the serial
 * console through boot diagnostics, SSH (vm-ssh.ts), `run-command list/show/invoke`
 * (vm-run-command.ts), `disk attach/detach` and `resize` (vm-disk.ts).
 */
import type { Flag } from '../arm/args.ts';
import type { CommandSpec, GroupSpec } from '../arm/command.ts';
import { collectionPath, deleteCommand, nameFlags, RESOURCE_GROUP, waiting } from '../arm/resources.ts';
import { createVm } from './vm-create.ts';
import { getVm, vmPath, vmWithDetails } from './vm-details.ts';
import { resizeVm, vmDisk } from './vm-disk.ts';
import { VM } from './vm-kinds.ts';
import { runCommand } from './vm-run-command.ts';
import { sshVm } from './vm-ssh.ts';

const names = '-g MyResourceGroup -n MyVm';
const SHOW_DETAILS: Flag = {
  name: 'show-details',
  short: 'd',
  kind: 'switch',
  help: 'Show public IP address, FQDN, and power states. Command will run slower.',
};

/** az's transform_vm: the columns `az vm list -o table` shows (the -d ones when there). */
const table = (vm: Record<string, unknown>) => ({
  Name: vm.name,
  ResourceGroup: vm.resourceGroup,
  PowerState: vm.powerState,
  PublicIps: vm.publicIps,
  Fqdns: vm.fqdns,
  Location: vm.location,
});

/** POST `{action}`, a long-running operation that ends with nothing to print. */
function powerCommand(name: string, action: string, summary: string, example: string): CommandSpec {
  return {
    name,
    summary,
    flags: nameFlags(VM),
    examples: [{ title: example, command: `kiln vm ${name} ${names}` }],
    longRunning: true,
    async run(ctx) {
      const session = await ctx.session();
      await session.client.longRunning('POST', `${vmPath(session, ctx.args)}/${action}`, VM.apiVersion, waiting(ctx));
      return undefined;
    },
  };
}

export const vm: GroupSpec = {
  name: 'vm',
  summary: 'Manage virtual machines: create, run, SSH into, stop and delete them.',
  groups: [
    {
      name: 'boot-diagnostics',
      summary: "Read a VM's serial console through boot diagnostics.",
      commands: [
        {
          name: 'get-boot-log',
          summary: "Print the VM's serial console log.",
          flags: nameFlags(VM),
          examples: [{ title: 'The console of a VM.', command: `kiln vm boot-diagnostics get-boot-log ${names}` }],
          async run(ctx) {
            const session = await ctx.session();
            const { serialConsoleLogBlobUri } = (
              await session.client.send('POST', `${vmPath(session, ctx.args)}/retrieveBootDiagnosticsData`, {
                apiVersion: VM.apiVersion,
              })
            ).body as { serialConsoleLogBlobUri: string };
            const log = await session.http.send(serialConsoleLogBlobUri, { method: 'GET' });
            if (log.status !== 200)
              throw new Error(
                `Could not download the serial console log: HTTP ${log.status} ${log.text.slice(0, 200)}`,
              );
            ctx.write(log.text);
            return undefined;
          },
        },
        {
          name: 'get-boot-log-uris',
          summary: "SAS URIs of the VM's serial console log (valid 120 minutes unless told).",
          flags: [...nameFlags(VM), { name: 'expire', help: 'Minutes the URIs are valid, 1 to 10080. Default: 120.' }],
          examples: [
            {
              title: 'A URI valid for 10 minutes.',
              command: `kiln vm boot-diagnostics get-boot-log-uris ${names} --expire 10`,
            },
          ],
          async run(ctx) {
            const session = await ctx.session();
            const path = `${vmPath(session, ctx.args)}/retrieveBootDiagnosticsData`;
            const query = { sasUriExpirationTimeInMinutes: ctx.args.string('expire') };
            return (await session.client.send('POST', path, { apiVersion: VM.apiVersion, query })).body;
          },
        },
      ],
    },
    runCommand,
    vmDisk,
  ],
  commands: [
    createVm,
    {
      name: 'list',
      summary: 'List virtual machines in a resource group, or in the subscription.',
      flags: [
        { ...RESOURCE_GROUP, required: false, help: 'Name of resource group. Without it: the whole subscription.' },
        SHOW_DETAILS,
      ],
      examples: [
        { title: 'The VMs of a resource group.', command: 'kiln vm list -g MyResourceGroup' },
        { title: 'With power states and public IPs, as a table.', command: 'kiln vm list -d -o table' },
      ],
      table,
      async run(ctx) {
        const session = await ctx.session();
        const vms = (await session.client.list(
          collectionPath(VM, session.subscription, ctx.args),
          VM.apiVersion,
        )) as Array<{ id: string }>;
        if (!ctx.args.bool('show-details')) return vms;
        return Promise.all(vms.map((vm) => vmWithDetails(session, vm.id)));
      },
    },
    {
      name: 'show',
      summary: 'Get the details of a virtual machine.',
      flags: [...nameFlags(VM), SHOW_DETAILS],
      examples: [
        { title: 'Show a VM.', command: `kiln vm show ${names}` },
        {
          title: 'Its power state and public IP.',
          command: `kiln vm show ${names} -d --query "[powerState, publicIps]"`,
        },
      ],
      show: true,
      async run(ctx) {
        const session = await ctx.session();
        const path = vmPath(session, ctx.args);
        return ctx.args.bool('show-details') ? vmWithDetails(session, path) : getVm(session, path);
      },
    },
    {
      name: 'get-instance-view',
      summary: 'Get a VM with its instance view: provisioning and power state, disks, boot diagnostics.',
      flags: nameFlags(VM),
      examples: [
        {
          title: 'The status codes.',
          command: `kiln vm get-instance-view ${names} --query "instanceView.statuses[].code"`,
        },
      ],
      show: true,
      async run(ctx) {
        const session = await ctx.session();
        return getVm(session, vmPath(session, ctx.args), true);
      },
    },
    powerCommand('start', 'start', 'Start a stopped or deallocated VM.', 'Start a VM.'),
    powerCommand('stop', 'powerOff', 'Power off (stop) a running VM; it stays allocated.', 'Power off a VM.'),
    powerCommand(
      'deallocate',
      'deallocate',
      'Deallocate a VM: stop it and release its vCPUs and memory.',
      'Deallocate a VM.',
    ),
    powerCommand('restart', 'restart', 'Restart a running VM.', 'Restart a VM.'),
    resizeVm,
    {
      name: 'generalize',
      summary: 'Mark a stopped or deallocated VM as generalized, so images and gallery versions can be made from it.',
      flags: nameFlags(VM),
      examples: [
        {
          title: 'Deprovision the guest, deallocate, then generalize.',
          command: `kiln vm ssh ${names} -- sudo cloud-init clean --logs && kiln vm deallocate ${names} && kiln vm generalize ${names}`,
        },
      ],
      async run(ctx) {
        const session = await ctx.session();
        await session.client.send('POST', `${vmPath(session, ctx.args)}/generalize`, { apiVersion: VM.apiVersion });
        return undefined;
      },
    },
    deleteCommand(VM, { confirm: true }),
    {
      name: 'list-sizes',
      summary: 'List the VM sizes of a location.',
      flags: [{ name: 'location', short: 'l', required: true, help: 'Location, a Kiln region such as westus.' }],
      examples: [{ title: 'The sizes of westus.', command: 'kiln vm list-sizes -l westus -o table' }],
      async run(ctx) {
        const session = await ctx.session();
        const path = `/subscriptions/${encodeURIComponent(session.subscription)}/providers/Microsoft.Compute/locations/${encodeURIComponent(ctx.args.required('location'))}/vmSizes`;
        return session.client.list(path, VM.apiVersion);
      },
    },
    sshVm,
  ],
};
