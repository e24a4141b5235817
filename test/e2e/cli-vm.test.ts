// `kiln vm` against a started server with the Debian platform image, each command its own process
// with HOME in a temporary folder: `vm create --generate-ssh-keys --data-disk-sizes-gb 1` makes an
// RSA key pair there and the network az makes (a virtual network, a security group letting SSH in, a
// public IP, an interface), boots ONE VM with an empty data disk and prints az's summary; `vm ssh --
// hostname` reaches it on its public IP with that key, passing ssh's exit status on; show -d, list,
// the instance view, the serial console and sizes read it; run-command list and show read the
// location's commands, invoke runs scripts in it (lines, an @file, az's [name=]value parameters) and
// prints the RunCommandResult, or the API's error for a command id it does not know; `vm disk
// detach/attach` take its data disk off and put it back at another LUN while it runs, and attach a
// new one; stop, deallocate, resize and generalize change its power state, size and OS state; delete
// --yes removes it with its disks (the ones it made), leaving the one attached later. A VM the API
// refuses (unknown image, unknown size) prints the ARM code, message and target, and leaves none of
// the network its create made.
import { NetworkManagementClient } from '@azure/arm-network';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { kilnCli, type Cli } from '../support/kiln-cli.ts';
import { importDebian } from '../support/reachable-vm.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const RG = 'cli-vm';
/** Where the guest finds the data disk at a LUN. */
const LUN = '/dev/disk/by-id/virtio-lun';

describe(
  'kiln vm against a server (az vm-style commands)',
  { skip: process.getuid?.() !== 0 && 'VMs need root' },
  () => {
    let kiln: TestServer;
    let cli: Cli;
    let home: string;
    let network: NetworkManagementClient;
    let publicIp: string;
    const vm = ['-g', RG, '-n', 'vm1'];
    const names = async <T extends { name?: string }>(pages: AsyncIterable<T>) => {
      const found: string[] = [];
      for await (const item of pages) found.push(item.name!);
      return found.sort();
    };

    before(async () => {
      // A pool of its own: VM tests running at once would each take the default pool's first address.
      kiln = await startTestServer({ config: { network: { publicIpAddressPool: '127.103.0.0/24' } } });
      await importDebian(kiln);
      home = await mkdtemp(join(tmpdir(), 'kiln-cli-vm-home-'));
      cli = await kilnCli(kiln, { env: { HOME: home } });
      network = new NetworkManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
      await cli.login();
      await cli.ok('group', 'create', '-n', RG, '-l', 'westus');
    });
    after(async () => {
      await kiln?.stop();
      if (home) await rm(home, { recursive: true, force: true });
      if (cli) await rm(cli.configDir, { recursive: true, force: true });
    });

    it('creates a VM with generated SSH keys and the network az makes, and SSHes into it', async () => {
      const customData = join(home, 'custom-data.sh');
      await writeFile(customData, '#!/bin/sh\necho "custom data ran" > /var/tmp/kiln-custom-data\n');
      const image = ['--image', 'Debian:debian-12:12:latest', '--size', 'Standard_B1s'];
      const created = await cli.run(
        'vm',
        'create',
        ...vm,
        ...image,
        '--generate-ssh-keys',
        '--custom-data',
        customData,
        '--os-disk-delete-option',
        'Delete',
        '--data-disk-sizes-gb',
        '1',
        '--data-disk-delete-option',
        'Delete',
      );
      assert.equal(created.status, 0, created.stderr);
      const summary = JSON.parse(created.stdout);
      publicIp = summary.publicIpAddress;
      assert.deepEqual(summary, {
        fqdns: '',
        id: `/subscriptions/${kiln.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/vm1`,
        location: 'westus',
        macAddress: '',
        powerState: 'VM running',
        privateIpAddress: '10.0.0.4',
        publicIpAddress: publicIp,
        resourceGroup: RG,
      });
      assert.match(publicIp, /^127\.\d+\.\d+\.\d+$/, 'a loopback address of the public IP pool');
      assert.match(
        created.stderr,
        /WARNING: SSH key files '.*\/\.ssh\/id_rsa' and '.*\/\.ssh\/id_rsa\.pub' have been generated/,
      );
      assert.equal((await stat(join(home, '.ssh', 'id_rsa'))).mode & 0o777, 0o600);
      assert.match(await readFile(join(home, '.ssh', 'id_rsa.pub'), 'utf8'), /^ssh-rsa AAAA/);

      // What az makes around the VM, named as az names it.
      const vnet = await network.virtualNetworks.get(RG, 'vm1VNET');
      assert.deepEqual(
        [vnet.addressSpace?.addressPrefixes, vnet.subnets?.map((s) => [s.name, s.addressPrefix])],
        [['10.0.0.0/16'], [['vm1Subnet', '10.0.0.0/24']]],
      );
      const nsg = await network.networkSecurityGroups.get(RG, 'vm1NSG');
      assert.deepEqual(
        nsg.securityRules?.map((r) => [r.name, r.priority, r.access, r.direction, r.protocol, r.destinationPortRange]),
        [['default-allow-ssh', 1000, 'Allow', 'Inbound', 'Tcp', '22']],
      );
      const ip = await network.publicIPAddresses.get(RG, 'vm1PublicIP');
      assert.deepEqual([ip.sku?.name, ip.publicIPAllocationMethod, ip.ipAddress], ['Standard', 'Static', publicIp]);
      const nic = await network.networkInterfaces.get(RG, 'vm1VMNic');
      assert.equal(nic.networkSecurityGroup?.id, nsg.id);
      assert.equal(nic.ipConfigurations?.[0].name, 'ipconfigvm1');
      assert.equal(nic.ipConfigurations?.[0].publicIPAddress?.id, ip.id);

      // sshd may answer a moment after the VM shows running; until then ssh exits 255.
      let hostname = await cli.run('vm', 'ssh', ...vm, '--', 'hostname');
      for (const deadline = Date.now() + 60_000; hostname.status === 255 && Date.now() < deadline;) {
        await sleep(2000);
        hostname = await cli.run('vm', 'ssh', ...vm, '--', 'hostname');
      }
      assert.equal(hostname.status, 0, hostname.stderr);
      assert.equal(hostname.stdout, 'vm1\n');
      const ran = await cli.run('vm', 'ssh', ...vm, '--', 'cat', '/var/tmp/kiln-custom-data');
      assert.equal(ran.stdout, 'custom data ran\n', ran.stderr);
      const failed = await cli.run('vm', 'ssh', ...vm, '--', 'exit', '7');
      assert.equal(failed.status, 7, "ssh's exit status is the command's");
      assert.equal(failed.stderr, '');
      const lun0 = await cli.run('vm', 'ssh', ...vm, '--', 'sudo', 'blockdev', '--getsize64', `${LUN}0`);
      assert.equal(lun0.stdout, `${1024 ** 3}\n`, lun0.stderr);
    });

    it('shows and lists the VM with its details, its instance view, serial console and the sizes', async () => {
      const shown = await cli.json('vm', 'show', ...vm, '-d');
      assert.deepEqual(
        [shown.powerState, shown.publicIps, shown.privateIps, shown.fqdns, shown.macAddresses],
        ['VM running', publicIp, '10.0.0.4', '', ''],
      );
      assert.equal('instanceView' in shown, false, 'az leaves the instance view out of -d');
      assert.equal(
        (shown.osProfile as { adminUsername: string }).adminUsername,
        'azureuser',
        'root is reserved: azureuser',
      );
      assert.equal((await cli.json('vm', 'show', ...vm)).powerState, undefined);

      assert.deepEqual(await cli.json('vm', 'list', '--query', '[].name'), ['vm1']);
      const table = await cli.ok('vm', 'list', '-g', RG, '-d', '-o', 'table');
      assert.deepEqual(table.trimEnd().split('\n')[0].split(/\s+/), [
        'Name',
        'ResourceGroup',
        'PowerState',
        'PublicIps',
        'Fqdns',
        'Location',
      ]);
      assert.match(
        table,
        new RegExp(`^vm1\\s+${RG}\\s+VM running\\s+${publicIp.replaceAll('.', '\\.')}\\s+westus$`, 'm'),
      );
      assert.deepEqual(await cli.json('vm', 'get-instance-view', ...vm, '--query', 'instanceView.statuses[].code'), [
        'ProvisioningState/succeeded',
        'PowerState/running',
      ]);
      assert.match(await cli.ok('vm', 'boot-diagnostics', 'get-boot-log', ...vm), /vm1 login:/);
      assert.deepEqual(
        await cli.json(
          'vm',
          'list-sizes',
          '-l',
          'westus',
          '--query',
          "[?name=='Standard_B1s'].[numberOfCores, memoryInMB]",
        ),
        [[1, 1024]],
      );
    });

    it('lists and shows the run commands of a location as az prints them', async () => {
      assert.deepEqual(await cli.json('vm', 'run-command', 'list', '-l', 'westus', '--query', '[].[id, osType]'), [
        ['RunShellScript', 'Linux'],
        ['ifconfig', 'Linux'],
      ]);
      const ifconfig = await cli.json<Record<string, unknown>>(
        'vm',
        'run-command',
        'show',
        '-l',
        'westus',
        '--command-id',
        'ifconfig',
      );
      assert.deepEqual(Object.keys(ifconfig).sort(), [
        'description',
        'id',
        'label',
        'osType',
        'parameters',
        'schema',
        'script',
      ]);
      assert.deepEqual(
        [ifconfig.schema, ifconfig.label, ifconfig.parameters],
        ['http://schema.management.azure.com/schemas/2016-11-17/runcommands.json', 'List network configuration', null],
      );
      const unknown = await cli.run('vm', 'run-command', 'show', '-l', 'westus', '--command-id', 'RunPowerShellScript');
      assert.equal(unknown.status, 3);
      assert.match(
        unknown.stderr,
        /^ERROR: \(NotFound\) The run command 'RunPowerShellScript' was not found .*Windows/m,
      );
    });

    it('runs scripts in the VM with run-command invoke, printing the RunCommandResult as az does', async () => {
      const invoke = ['vm', 'run-command', 'invoke', ...vm, '--command-id'];
      const ran = await cli.json(
        ...invoke,
        'RunShellScript',
        '--scripts',
        'echo "as $(id -un) on $(hostname): $1 $2, $GREETING $arg2"',
        'echo oops >&2',
        '--parameters',
        'hello',
        'GREETING=hi',
        'world',
      );
      assert.deepEqual(ran, {
        value: [
          {
            code: 'ProvisioningState/succeeded',
            displayStatus: 'Provisioning succeeded',
            level: 'Info',
            // Bare values are az's arg1, arg2; every value is an argument in order, names are variables.
            message: 'Enable succeeded: \n[stdout]\nas root on vm1: hello hi, hi world\n[stderr]\noops\n',
            time: null,
          },
        ],
      });

      const script = join(home, 'fails.sh');
      await writeFile(script, 'echo "from a file"\nexit 4\n');
      const message = await cli.ok(
        ...invoke,
        'RunShellScript',
        '--scripts',
        `@${script}`,
        '--query',
        'value[0].message',
        '-o',
        'tsv',
      );
      assert.equal(
        message,
        'Enable failed: failed to execute command: command terminated with exit status=4\n[stdout]\nfrom a file\n[stderr]\n\n\n',
      );

      const badId = await cli.run(...invoke, 'RunPowerShellScript', '--scripts', 'true');
      assert.equal(badId.status, 1);
      assert.match(
        badId.stderr,
        /^ERROR: \(InvalidParameter\) The value 'RunPowerShellScript' of 'commandId' is not valid/m,
      );
      assert.match(badId.stderr, /^Target: commandId$/m);
    });

    it('detaches and attaches data disks of the running VM with vm disk', async () => {
      const disks = ['vm', 'disk'];
      const onVm = ['-g', RG, '--vm-name', 'vm1'];
      const dataDisks = async () =>
        (
          await cli.json<{ storageProfile: { dataDisks: Array<{ lun: number; name: string; createOption: string }> } }>(
            'vm',
            'show',
            ...vm,
          )
        ).storageProfile.dataDisks.map((d) => [d.lun, d.name, d.createOption]);
      const made = String((await dataDisks())[0][1]);
      const seen = async (lun: number) =>
        (await cli.run('vm', 'ssh', ...vm, '--', 'test', '-e', `${LUN}${lun}`)).status === 0;
      assert.equal(await cli.ok(...disks, 'detach', ...onVm, '-n', made), '', 'nothing printed, as az');
      assert.deepEqual(await dataDisks(), []);
      assert.equal(await seen(0), false, 'unplugged from the running VM');
      const missing = await cli.run(...disks, 'detach', ...onVm, '-n', made);
      assert.equal(missing.status, 1);
      assert.match(missing.stderr, new RegExp(`^ERROR: No disk with the name '${made}' was found`, 'm'));

      await cli.ok(...disks, 'attach', ...onVm, '-n', made, '--lun', '3');
      await cli.ok(...disks, 'attach', ...onVm, '-n', 'extra', '--new', '--size-gb', '1');
      assert.deepEqual(await dataDisks(), [
        [3, made, 'Attach'],
        [0, 'extra', 'Empty'],
      ]);
      for (const lun of [3, 0])
        for (const deadline = Date.now() + 60_000; !(await seen(lun));) {
          assert.ok(Date.now() < deadline, `the guest finds the disk at LUN ${lun}`);
          await sleep(2000);
        }
    });

    it('stops, deallocates, resizes, generalizes and deletes the VM with its disks', async () => {
      const power = async () => (await cli.json('vm', 'show', ...vm, '-d')).powerState;
      await cli.ok('vm', 'stop', ...vm);
      assert.equal(await power(), 'VM stopped');
      assert.notEqual((await cli.run('vm', 'ssh', ...vm, '--', 'true')).status, 0, 'a stopped VM answers nothing');
      await cli.ok('vm', 'deallocate', ...vm);
      assert.equal(await power(), 'VM deallocated');
      // Deallocated, it left its host: nothing of it stays in its folder, the agent's key included...
      const { vmId } = await cli.json<{ vmId: string }>('vm', 'show', ...vm);
      assert.equal(existsSync(join(kiln.dataDir, 'machines', vmId)), false);
      // ...and started again, wherever that is, Kiln's agent reaches the account its first boot made.
      await cli.ok('vm', 'start', ...vm);
      const again = await cli.json<{ value: Array<{ message: string }> }>(
        ...[
          'vm',
          'run-command',
          'invoke',
          ...vm,
          '--command-id',
          'RunShellScript',
          '--scripts',
          'echo still $(id -un)',
        ],
      );
      assert.match(again.value[0].message, /still root/);
      await cli.ok('vm', 'deallocate', ...vm);
      const resized = await cli.json<{ hardwareProfile: { vmSize: string } }>(
        'vm',
        'resize',
        ...vm,
        '--size',
        'Standard_B1ms',
      );
      assert.equal(resized.hardwareProfile.vmSize, 'Standard_B1ms');
      const huge = await cli.run('vm', 'resize', ...vm, '--size', 'Standard_Huge');
      assert.equal(huge.status, 1);
      assert.match(huge.stderr, /^ERROR: \(InvalidParameter\) The requested VM size Standard_Huge is not available/m);
      await cli.ok('vm', 'generalize', ...vm);
      assert.deepEqual(await cli.json('vm', 'get-instance-view', ...vm, '--query', 'instanceView.statuses[].code'), [
        'ProvisioningState/succeeded',
        'PowerState/deallocated',
        'OSState/generalized',
      ]);

      const unconfirmed = await cli.run('vm', 'delete', ...vm);
      assert.equal(unconfirmed.status, 2);
      assert.match(unconfirmed.stderr, /Use --yes/);
      await cli.ok('vm', 'delete', ...vm, '--yes');
      const gone = await cli.run('vm', 'show', ...vm);
      assert.equal(gone.status, 3);
      assert.match(gone.stderr, /^ERROR: \(ResourceNotFound\) /);
      // The OS disk went (Delete); the data disks attached by vm disk attach (Detach) stay, free.
      const left = await cli.json<Array<[string, string]>>('disk', 'list', '-g', RG, '--query', '[].[name, diskState]');
      assert.deepEqual(left.map(([name, state]) => [name.replace(/^vm1_disk2_\w+$/, 'vm1_disk2_*'), state]).sort(), [
        ['extra', 'Unattached'],
        ['vm1_disk2_*', 'Unattached'],
      ]);
      for (const [name] of left) await cli.ok('disk', 'delete', '-g', RG, '-n', name, '--yes');
      assert.equal(
        (await network.networkInterfaces.get(RG, 'vm1VMNic')).virtualMachine,
        undefined,
        'the interface stays, free',
      );
    });

    it('prints the ARM error of a VM the API refuses, leaving none of the network it made', async () => {
      const bad = ['vm', 'create', '-g', RG, '-n', 'bad', '--size', 'Standard_B1s'];
      const unknownImage = await cli.run(...bad, '--image', 'Debian:debian-12:nope:latest');
      assert.equal(unknownImage.status, 1);
      assert.match(
        unknownImage.stderr,
        /^ERROR: \(PlatformImageNotFound\) The platform image 'Debian:debian-12:nope:latest'/m,
      );
      assert.match(unknownImage.stderr, /^Target: properties\.storageProfile\.imageReference$/m);

      const unknownSize = await cli.run(...bad, '--image', 'Debian:debian-12:12:latest', '--size', 'Standard_Huge');
      assert.equal(unknownSize.status, 1);
      assert.match(
        unknownSize.stderr,
        /^ERROR: \(InvalidParameter\) The requested VM size Standard_Huge is not available/m,
      );
      assert.match(unknownSize.stderr, /^Target: properties\.hardwareProfile\.vmSize$/m);

      // The creates reused vm1's network (az's rule) and made, then removed, their own group, IP and interface.
      assert.deepEqual(await names(network.virtualNetworks.list(RG)), ['vm1VNET']);
      assert.deepEqual(await names(network.networkSecurityGroups.list(RG)), ['vm1NSG']);
      assert.deepEqual(await names(network.publicIPAddresses.list(RG)), ['vm1PublicIP']);
      assert.deepEqual(await names(network.networkInterfaces.list(RG)), ['vm1VMNic']);

      const notAnImage = await cli.run(...bad, '--image', 'NoSuchImage');
      assert.equal(notAnImage.status, 1);
      assert.match(notAnImage.stderr, /^ERROR: Invalid image "NoSuchImage"/);
      const trailing = await cli.run('vm', 'show', ...vm, '--', 'hostname');
      assert.equal(trailing.status, 2, 'only vm ssh takes arguments after --');
    });
  },
);
