// Virtual machines through @azure/arm-compute and @azure/arm-network, against a started server over
// HTTPS: the bootstrapped Debian (test/support/debian-image.ts) as a platform image, a network with
// a security group letting SSH in and a public IP (a loopback address of Kiln's pool), and a VM made
// from the image with an SSH key, custom data and an empty 1 GiB data disk. It boots under QEMU;
// `ssh azureuser@<public IP>` reaches it on port 22 and sees its host name, sudo, what the custom
// data did and its data disk (/dev/disk/by-id/virtio-lun0, 1 GiB), which it writes to; run command
// runs a script as root with its parameters and reports its output as Azure does, and the location's
// run commands are listed and run by id; boot diagnostics hand out its serial console; it runs again
// after Kiln restarts with its data disk; a change sent back from a GET takes its tags, a fixed field
// is refused at its path; its data disk is detached while it runs (written back, let go) and attached
// again at another LUN with what was written; powered off it is resized, and what it wrote survives
// the start that gives it its new memory. Bad input and what the host cannot hold get Azure's codes;
// an attached disk or interface cannot be deleted.
// The same VM is then the source of images. Running, it is refused as one (Azure's 409), as is a
// missing VM (404), each at the JSON path that names it. Deallocated and not yet generalized, it is
// refused as a managed image (409 OperationNotAllowed) and for a Generalized definition (400
// BadRequest), and captured into a Specialized one (`storageProfile.source.id`, as older clients name
// a VM); generalized, it refuses to start, and is captured into a managed image
// (`sourceVirtualMachine`, seed 003) and a version of a Generalized definition
// (`storageProfile.source.virtualMachineId`, seed 002), each with the data disk at its LUN. A disk made
// FromImage of the managed image holds what the guest wrote (mounted read-only), and one made of the
// version the same bytes; disks made of their data disk start with what the guest wrote there. Last,
// the VM is deleted with its OS disk and its data disk, its interface detached.
// One VM boots here, three times: its create, Kiln's restart, the start after its power off.
import {
  ComputeManagementClient,
  type DataDisk,
  type GalleryImageVersion,
  type Image,
  type VirtualMachine,
} from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import { BlobClient } from '@azure/storage-blob';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findRootPartition } from '../../src/imaging/disk/disk-image.ts';
import { armRefusal } from '../support/arm-refusal.ts';
import { withReadOnlyMount } from '../support/disk-inspection.ts';
import { linuxDefinition } from '../support/gallery-image.ts';
import { importDebian, makeReachableNetwork, makeSshKeys, sshTo, type SshKeys } from '../support/reachable-vm.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const RG = 'vm-rg';
const LOCATION = 'westus';
/** Where the guest finds the data disk at a LUN (its serial is lunN). */
const LUN = '/dev/disk/by-id/virtio-lun';
const DATA_MARKER = 'kept-on-data-disk';
const OS_MARKER = 'kept-across-power-off';
const POLL = { updateIntervalInMs: 1000 };

describe('virtual machines with @azure/arm-compute', { skip: process.getuid?.() !== 0 && 'VMs need root' }, () => {
  let kiln: TestServer;
  let compute: ComputeManagementClient;
  let network: NetworkManagementClient;
  let sub: string;
  let keys: SshKeys;
  let publicKey: string;
  let address: string;
  let work: string;
  const id = (provider: string, type: string, name: string) =>
    `/subscriptions/${sub}/resourceGroups/${RG}/providers/${provider}/${type}/${name}`;
  const nicId = (name: string) => id('Microsoft.Network', 'networkInterfaces', name);

  let ssh: ReturnType<typeof sshTo>['ssh'];
  let sshWhenUp: ReturnType<typeof sshTo>['sshWhenUp'];
  /** What the data disk at `lun` starts with, read raw in the guest. */
  const dataMarker = (lun: number) => {
    const read = ssh(`sudo head -c ${DATA_MARKER.length} ${LUN}${lun}`);
    assert.equal(read.status, 0, read.stderr);
    return read.stdout;
  };
  const powerState = async (name: string) =>
    (await compute.virtualMachines.instanceView(RG, name)).statuses
      ?.map((s) => s.code)
      .filter((c) => c?.startsWith('PowerState/') || c?.startsWith('OSState/'));

  const vmId = (name: string) => id('Microsoft.Compute', 'virtualMachines', name);
  const fromVm = (vm: string): Image => ({ location: LOCATION, sourceVirtualMachine: { id: vmId(vm) } });
  const versionOf = (source: { id?: string; virtualMachineId?: string }): GalleryImageVersion => ({
    location: LOCATION,
    storageProfile: { source },
  });
  /** A PUT with the admin's token, for what the SDK does not show (the error's target, its details). */
  const putRaw = async (path: string, apiVersion: string, body: Record<string, unknown>) => {
    const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const response = await fetch(
      `${kiln.url}/subscriptions/${sub}/resourceGroups/${RG}/providers/${path}?api-version=${apiVersion}`,
      {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      },
    );
    return { status: response.status, error: ((await response.json()) as { error?: Record<string, string> }).error };
  };
  /** A disk's bytes, through a read SAS as a user downloads them, into a file of `work`. */
  const download = async (disk: string) => {
    const access = await compute.disks.grantAccess(RG, disk, { access: 'Read', durationInSeconds: 600 });
    const file = join(work, `${disk}.vhd`);
    try {
      await new BlobClient(access.accessSAS!).downloadToFile(file);
    } finally {
      await compute.disks.revokeAccess(RG, disk);
    }
    return file;
  };
  /** An SDK model without the keys it adds as undefined, to compare with what the server sent. */
  const sent = <T>(value: T): T => JSON.parse(JSON.stringify(value));
  const sha256 = async (file: string) => {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    return hash.digest('hex');
  };

  const storageProfile = (dataDisks: DataDisk[] = []) => ({
    imageReference: { publisher: 'Debian', offer: 'debian-12', sku: '12', version: 'latest' },
    osDisk: {
      createOption: 'FromImage',
      deleteOption: 'Delete',
      managedDisk: { storageAccountType: 'Standard_LRS' },
    },
    dataDisks,
  });
  const vmBody = (nic: string, more: Partial<VirtualMachine> = {}): VirtualMachine => ({
    location: LOCATION,
    hardwareProfile: { vmSize: 'Standard_B1s' },
    storageProfile: storageProfile(),
    osProfile: {
      computerName: 'kiln-vm1',
      adminUsername: 'azureuser',
      linuxConfiguration: {
        disablePasswordAuthentication: true,
        ssh: { publicKeys: [{ path: '/home/azureuser/.ssh/authorized_keys', keyData: publicKey }] },
      },
      customData: Buffer.from('#!/bin/sh\necho "custom data ran" > /var/tmp/kiln-custom-data\n').toString('base64'),
    },
    networkProfile: { networkInterfaces: [{ id: nicId(nic), primary: true }] },
    diagnosticsProfile: { bootDiagnostics: { enabled: true } },
    ...more,
  });

  before(async () => {
    // A pool of its own: VM tests running at once would each take the default pool's first address.
    kiln = await startTestServer({
      config: { virtualMachines: { maxCores: 2 }, network: { publicIpAddressPool: '127.101.0.0/24' } },
    });
    sub = kiln.subscriptionId;
    compute = new ComputeManagementClient(kiln.credential, sub, { endpoint: kiln.url });
    network = new NetworkManagementClient(kiln.credential, sub, { endpoint: kiln.url });
    await importDebian(kiln);
    await new ResourceManagementClient(kiln.credential, sub, { endpoint: kiln.url }).resourceGroups.createOrUpdate(RG, {
      location: LOCATION,
    });
    keys = await makeSshKeys();
    publicKey = keys.publicKey;
    address = (
      await makeReachableNetwork(network, { subscription: sub, name: RG, location: LOCATION }, ['nic', 'spare'])
    ).address;
    ({ ssh, sshWhenUp } = sshTo(address, keys));
    work = await mkdtemp(join(tmpdir(), 'kiln-vm-capture-'));
    await compute.galleries.beginCreateOrUpdateAndWait(RG, 'gallery', { location: LOCATION });
    await compute.galleryImages.beginCreateOrUpdateAndWait(
      RG,
      'gallery',
      'generalized',
      linuxDefinition(LOCATION, 'g'),
    );
    await compute.galleryImages.beginCreateOrUpdateAndWait(RG, 'gallery', 'specialized', {
      ...linuxDefinition(LOCATION, 's'),
      osState: 'Specialized',
    });
  });
  after(async () => {
    await kiln?.stop();
    await keys?.remove();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('refuses bad input with Azure codes at each JSON path, creating nothing', async () => {
    await assert.rejects(
      compute.virtualMachines.beginCreateOrUpdateAndWait(
        RG,
        'bad',
        vmBody('spare', { hardwareProfile: { vmSize: 'Standard_Huge' } }),
      ),
      armRefusal(400, 'InvalidParameter', /Standard_Huge is not available.*Standard_B1s/),
    );
    await assert.rejects(
      compute.virtualMachines.beginCreateOrUpdateAndWait(
        RG,
        'bad',
        vmBody('spare', { hardwareProfile: { vmSize: 'Standard_D4s_v5' } }),
      ),
      armRefusal(409, 'OperationNotAllowed', /Total Regional Cores quota.*Current Limit: 2/),
    );
    const noKey = vmBody('spare');
    noKey.osProfile!.linuxConfiguration!.ssh = { publicKeys: [] };
    await assert.rejects(
      compute.virtualMachines.beginCreateOrUpdateAndWait(RG, 'bad', noKey),
      armRefusal(400, 'InvalidParameter', /at least one SSH public key/),
    );
    await assert.rejects(
      compute.virtualMachines.beginCreateOrUpdateAndWait(RG, 'bad', {
        ...vmBody('spare'),
        storageProfile: { imageReference: { publisher: 'Debian', offer: 'debian-12', sku: 'nope', version: 'latest' } },
      }),
      armRefusal(404, 'PlatformImageNotFound'),
    );
    await assert.rejects(
      compute.virtualMachines.beginCreateOrUpdateAndWait(RG, 'bad', vmBody('missing')),
      armRefusal(400, 'NotFound'),
    );
    const dataDisks = (disks: DataDisk[]) => vmBody('spare', { storageProfile: storageProfile(disks) });
    await assert.rejects(
      compute.virtualMachines.beginCreateOrUpdateAndWait(
        RG,
        'bad',
        dataDisks([
          { lun: 1, createOption: 'Empty', diskSizeGB: 1 },
          { lun: 1, createOption: 'Empty', diskSizeGB: 1 },
        ]),
      ),
      armRefusal(400, 'InvalidParameter', /A disk at LUN 1 already exists/),
    );
    await assert.rejects(
      compute.virtualMachines.beginCreateOrUpdateAndWait(
        RG,
        'bad',
        dataDisks([{ lun: 0, createOption: 'Attach', managedDisk: { id: id('Microsoft.Compute', 'disks', 'nope') } }]),
      ),
      armRefusal(400, 'NotFound', /nope/),
    );
    // A field Kiln does not act on is named, never dropped.
    const refused = await putRaw('Microsoft.Compute/virtualMachines/bad', '2024-11-01', {
      location: LOCATION,
      properties: { ...vmBody('spare'), securityProfile: { encryptionAtHost: true } },
    });
    assert.equal(refused.status, 400);
    assert.ok(JSON.stringify(refused.error).includes('properties.securityProfile'), JSON.stringify(refused.error));
    await assert.rejects(compute.virtualMachines.get(RG, 'bad'), armRefusal(404, 'ResourceNotFound'));
    // A PATCH changes a VM that exists; it never makes one.
    await assert.rejects(
      compute.virtualMachines.beginUpdateAndWait(RG, 'ghost', { tags: { a: 'b' } }),
      armRefusal(404, 'ResourceNotFound'),
    );
    await assert.rejects(compute.virtualMachines.get(RG, 'ghost'), armRefusal(404, 'ResourceNotFound'));
  });

  it('boots a VM from a platform image, reachable by SSH on its public IP, provisioned as asked', async () => {
    const vm = await compute.virtualMachines.beginCreateOrUpdateAndWait(
      RG,
      'vm1',
      vmBody('nic', { storageProfile: storageProfile([{ lun: 0, createOption: 'Empty', diskSizeGB: 1 }]) }),
      POLL,
    );
    assert.equal(vm.provisioningState, 'Succeeded');
    assert.equal(vm.storageProfile?.imageReference?.exactVersion, '1.0.0');
    assert.deepEqual(await powerState('vm1'), ['PowerState/running']);
    const disk = await compute.disks.get(RG, vm.storageProfile!.osDisk!.name!);
    assert.equal(disk.managedBy, vm.id);
    assert.equal(disk.diskState, 'Attached');
    assert.equal(vm.storageProfile?.osDisk?.managedDisk?.id, disk.id);
    const [dataDisk] = vm.storageProfile!.dataDisks!;
    assert.deepEqual(
      [dataDisk.lun, dataDisk.createOption, dataDisk.diskSizeGB, dataDisk.caching, dataDisk.deleteOption],
      [0, 'Empty', 1, 'None', 'Detach'],
    );
    const data = await compute.disks.get(RG, dataDisk.name!);
    assert.deepEqual([data.id, data.managedBy, data.diskState], [dataDisk.managedDisk?.id, vm.id, 'Attached']);
    assert.deepEqual(
      (await compute.virtualMachines.instanceView(RG, 'vm1')).disks?.map((d) => d.name),
      [disk.name, dataDisk.name],
    );
    assert.equal((await network.networkInterfaces.get(RG, 'nic')).virtualMachine?.id, vm.id);

    const hostname = await sshWhenUp('hostname; sudo -n true && echo sudo-ok; cat /var/tmp/kiln-custom-data');
    assert.equal(hostname.status, 0, hostname.stderr);
    assert.deepEqual(hostname.stdout.trim().split('\n'), ['kiln-vm1', 'sudo-ok', 'custom data ran']);
    assert.equal(ssh(`echo ${OS_MARKER} | sudo tee /var/lib/kiln-marker; sync`).status, 0);
    // The data disk, as the guest sees it: 1 GiB at LUN 0, written raw.
    const lun0 = ssh(
      `sudo blockdev --getsize64 ${LUN}0 && printf ${DATA_MARKER} | sudo dd of=${LUN}0 conv=fsync status=none`,
    );
    assert.equal(lun0.stdout.trim(), String(1024 ** 3), lun0.stderr);
    assert.equal(dataMarker(0), DATA_MARKER);

    const ran = await compute.virtualMachines.beginRunCommandAndWait(
      RG,
      'vm1',
      {
        commandId: 'RunShellScript',
        script: ['echo "as $(id -un) with $GREETING and $1"', 'echo oops >&2', 'exit 3'],
        parameters: [{ name: 'GREETING', value: 'hello' }],
      },
      POLL,
    );
    assert.equal(ran.value?.[0].code, 'ProvisioningState/succeeded');
    assert.equal(
      ran.value?.[0].message,
      'Enable failed: failed to execute command: command terminated with exit status=3\n[stdout]\nas root with hello and hello\n[stderr]\noops\n',
    );
    // The location's run commands, Azure's Linux ones, run by id.
    const commands: string[] = [];
    for await (const command of compute.virtualMachineRunCommands.list(LOCATION)) commands.push(command.id!);
    assert.deepEqual(commands, ['RunShellScript', 'ifconfig']);
    const ifconfig = await compute.virtualMachineRunCommands.get(LOCATION, 'ifconfig');
    assert.deepEqual([ifconfig.osType, ifconfig.label], ['Linux', 'List network configuration']);
    const interfaces = await compute.virtualMachines.beginRunCommandAndWait(RG, 'vm1', { commandId: 'ifconfig' }, POLL);
    assert.match(
      interfaces.value?.[0].message ?? '',
      /^Enable succeeded: \n\[stdout\]\n[\s\S]*\blo\b[\s\S]*127\.0\.0\.1/,
    );
    const diagnostics = await compute.virtualMachines.retrieveBootDiagnosticsData(RG, 'vm1', {
      sasUriExpirationTimeInMinutes: 10,
    });
    const console = await (await fetch(diagnostics.serialConsoleLogBlobUri!)).text();
    assert.match(console, /kiln-vm1 login:/, 'the serial console, through its SAS URL');

    // What is attached cannot go.
    await assert.rejects(network.networkInterfaces.beginDeleteAndWait(RG, 'nic'), armRefusal(400, 'NicInUse'));
    await assert.rejects(compute.disks.beginDeleteAndWait(RG, disk.name!), armRefusal(409, 'OperationNotAllowed'));
    await assert.rejects(
      compute.virtualMachines.beginCreateOrUpdateAndWait(RG, 'vm2', vmBody('nic')),
      armRefusal(400, 'NicInUse'),
    );
  });

  it('runs again after Kiln restarts', async () => {
    const dataDir = kiln.dataDir;
    await kiln.stop({ keepData: true });
    assert.notEqual(ssh('true').status, 0, 'the VM ended with its Kiln');
    kiln = await startTestServer({ dataDir });
    compute = new ComputeManagementClient(kiln.credential, sub, { endpoint: kiln.url });
    network = new NetworkManagementClient(kiln.credential, sub, { endpoint: kiln.url });
    // Started again as the workers start: SSH answers once it has booted.
    const marker = await sshWhenUp('cat /var/lib/kiln-marker', 150);
    // cloud-init may still be finishing its per-boot stage when SSH answers.
    // (On a loaded host that stage can take minutes after SSH answers.)
    for (let waited = 0; (await powerState('vm1'))?.[0] !== 'PowerState/running'; waited++) {
      const statuses = (await compute.virtualMachines.instanceView(RG, 'vm1')).statuses;
      assert.ok(waited < 300, `the VM shows running once it has finished booting: ${JSON.stringify(statuses)}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    assert.equal(marker.stdout.trim(), OS_MARKER, marker.stderr);
    assert.equal(dataMarker(0), DATA_MARKER, 'the data disk came back with the VM');
  });

  it('changes the running VM: a GET sent back with tags, a fixed field refused, its data disk detached and attached', async () => {
    const shown = await compute.virtualMachines.get(RG, 'vm1');
    const tagged = await compute.virtualMachines.beginCreateOrUpdateAndWait(RG, 'vm1', {
      ...shown,
      tags: { env: 'test' },
    });
    assert.deepEqual(tagged.tags, { env: 'test' });
    await assert.rejects(
      compute.virtualMachines.beginUpdateAndWait(RG, 'vm1', { osProfile: { computerName: 'renamed' } }),
      armRefusal(409, 'PropertyChangeNotAllowed', /'properties\.osProfile\.computerName'/),
    );

    // Detached while it runs: unplugged, written back, let go.
    const dataDisk = shown.storageProfile!.dataDisks![0];
    const detached = await compute.virtualMachines.beginUpdateAndWait(
      RG,
      'vm1',
      { storageProfile: { dataDisks: [] } },
      POLL,
    );
    assert.deepEqual(detached.storageProfile?.dataDisks, []);
    const free = await compute.disks.get(RG, dataDisk.name!);
    assert.deepEqual([free.managedBy, free.diskState], [undefined, 'Unattached']);
    assert.equal(ssh(`test -e ${LUN}0 && echo present || echo gone`).stdout.trim(), 'gone');

    // Attached again at LUN 2, deleted with the VM: the guest finds what it wrote.
    const attached = await compute.virtualMachines.beginUpdateAndWait(
      RG,
      'vm1',
      {
        storageProfile: {
          dataDisks: [{ lun: 2, createOption: 'Attach', managedDisk: { id: free.id }, deleteOption: 'Delete' }],
        },
      },
      POLL,
    );
    assert.deepEqual(
      attached.storageProfile?.dataDisks?.map((d) => [d.lun, d.name, d.createOption, d.deleteOption]),
      [[2, dataDisk.name, 'Attach', 'Delete']],
    );
    assert.equal((await compute.disks.get(RG, dataDisk.name!)).diskState, 'Attached');
    for (let waited = 0; ssh(`test -e ${LUN}2`).status !== 0; waited++) {
      assert.ok(waited < 60, 'the guest finds the hot-plugged disk');
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    assert.equal(dataMarker(2), DATA_MARKER);

    // An Ultra disk (4096-byte sectors unless told, as Azure makes them) hot-plugged: the guest sees them.
    const ultra = await compute.disks.beginCreateOrUpdateAndWait(
      RG,
      'ultra',
      { location: LOCATION, sku: { name: 'UltraSSD_LRS' }, diskSizeGB: 4, creationData: { createOption: 'Empty' } },
      POLL,
    );
    assert.equal(ultra.creationData?.logicalSectorSize, 4096);
    const kept = attached.storageProfile!.dataDisks!;
    await compute.virtualMachines.beginUpdateAndWait(
      RG,
      'vm1',
      { storageProfile: { dataDisks: [...kept, { lun: 3, createOption: 'Attach', managedDisk: { id: ultra.id } }] } },
      POLL,
    );
    for (let waited = 0; ssh(`test -e ${LUN}3`).status !== 0; waited++) {
      assert.ok(waited < 60, 'the guest finds the Ultra disk');
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const sectors = ssh(`cat /sys/block/$(basename $(readlink -f ${LUN}3))/queue/logical_block_size`);
    assert.equal(sectors.stdout.trim(), '4096', sectors.stderr);
    // Let go again: what follows captures the VM with its LUN 2 disk alone.
    await compute.virtualMachines.beginUpdateAndWait(RG, 'vm1', { storageProfile: { dataDisks: kept } }, POLL);
    await compute.disks.beginDeleteAndWait(RG, 'ultra', POLL);
  });

  it('refuses to capture a missing VM (404) and a running one (409), at the field naming it', async () => {
    await assert.rejects(
      compute.images.beginCreateOrUpdateAndWait(RG, 'image', fromVm('missing')),
      armRefusal(404, 'NotFound', /virtualMachines\/missing/),
    );
    await assert.rejects(compute.images.get(RG, 'image'), armRefusal(404, 'ResourceNotFound'));
    const missing = await putRaw(
      'Microsoft.Compute/galleries/gallery/images/specialized/versions/0.0.1',
      '2025-03-03',
      {
        location: LOCATION,
        properties: { storageProfile: { source: { virtualMachineId: vmId('missing') } } },
      },
    );
    assert.equal(missing.status, 404);
    assert.equal(missing.error?.code, 'NotFound');
    assert.equal(missing.error?.target, 'properties.storageProfile.source.virtualMachineId');

    // Running: not generalized, so not an image (Azure's words); nor a version, its disk still changing.
    const image = await putRaw('Microsoft.Compute/images/image', '2024-11-01', {
      location: LOCATION,
      properties: { sourceVirtualMachine: { id: vmId('vm1') } },
    });
    assert.equal(image.status, 409);
    assert.equal(image.error?.code, 'OperationNotAllowed');
    assert.equal(
      image.error?.message,
      "The operation 'Create Image' requires the Virtual Machine 'vm1' to be Generalized.",
    );
    assert.equal(image.error?.target, 'properties.sourceVirtualMachine.id');
    await assert.rejects(
      compute.galleryImageVersions.beginCreateOrUpdateAndWait(
        RG,
        'gallery',
        'specialized',
        '0.0.1',
        versionOf({ virtualMachineId: vmId('vm1') }),
      ),
      armRefusal(409, 'OperationNotAllowed', /'vm1' is running.*power it off or deallocate it/),
    );
    await assert.rejects(
      compute.galleryImageVersions.get(RG, 'gallery', 'specialized', '0.0.1'),
      armRefusal(404, 'ResourceNotFound'),
    );
  });

  it('powers off and starts again with what the guest wrote, resized while stopped', async () => {
    await assert.rejects(
      compute.virtualMachines.generalize(RG, 'vm1'),
      armRefusal(409, 'OperationNotAllowed', /running/),
    );
    await compute.virtualMachines.beginPowerOffAndWait(RG, 'vm1', POLL);
    assert.deepEqual(await powerState('vm1'), ['PowerState/stopped']);
    assert.notEqual(ssh('true').status, 0, 'a stopped VM answers nothing');
    // Resized while stopped: the new size is its next start's.
    await assert.rejects(
      compute.virtualMachines.beginUpdateAndWait(RG, 'vm1', { hardwareProfile: { vmSize: 'Standard_Huge' } }),
      armRefusal(400, 'InvalidParameter', /Standard_Huge is not available/),
    );
    const resized = await compute.virtualMachines.beginUpdateAndWait(RG, 'vm1', {
      hardwareProfile: { vmSize: 'Standard_B1ms' },
    });
    assert.equal(resized.hardwareProfile?.vmSize, 'Standard_B1ms');
    assert.deepEqual(await powerState('vm1'), ['PowerState/stopped']);
    await compute.virtualMachines.beginStartAndWait(RG, 'vm1', POLL);
    assert.deepEqual(await powerState('vm1'), ['PowerState/running']);
    const marker = await sshWhenUp('cat /var/lib/kiln-marker; grep MemTotal /proc/meminfo');
    const [kept, memory] = marker.stdout.trim().split('\n');
    assert.equal(kept, OS_MARKER, marker.stderr);
    const kib = Number(memory.match(/(\d+) kB/)![1]);
    assert.ok(kib > 1536 * 1024, `Standard_B1ms gives 2 GiB (MemTotal ${kib} kB)`);
    assert.equal(dataMarker(2), DATA_MARKER);
  });

  it('deallocates, holding its disks, and is captured specialized for a Specialized definition only', async () => {
    await compute.virtualMachines.beginDeallocateAndWait(RG, 'vm1', POLL);
    assert.deepEqual(await powerState('vm1'), ['PowerState/deallocated']);
    const { osDisk, dataDisks } = (await compute.virtualMachines.get(RG, 'vm1')).storageProfile!;
    assert.equal((await compute.disks.get(RG, osDisk!.name!)).diskState, 'Reserved');
    assert.equal((await compute.disks.get(RG, dataDisks![0].name!)).diskState, 'Reserved');

    await assert.rejects(
      compute.images.beginCreateOrUpdateAndWait(RG, 'image', fromVm('vm1')),
      armRefusal(409, 'OperationNotAllowed', /requires the Virtual Machine 'vm1' to be Generalized/),
    );
    await assert.rejects(
      compute.galleryImageVersions.beginCreateOrUpdateAndWait(
        RG,
        'gallery',
        'generalized',
        '0.0.1',
        versionOf({ virtualMachineId: vmId('vm1') }),
      ),
      armRefusal(
        400,
        'BadRequest',
        /has a different OS state \['Specialized'\] than the parent gallery image OS state \['Generalized'\]/,
      ),
    );
    // `source.id` naming the VM, as the seed's `az sig image-version create --managed-image <VM id>` sends it.
    const version = await compute.galleryImageVersions.beginCreateOrUpdateAndWait(
      RG,
      'gallery',
      'specialized',
      '1.0.0',
      versionOf({ id: vmId('vm1') }),
      POLL,
    );
    assert.equal(version.provisioningState, 'Succeeded');
    assert.deepEqual(sent(version.storageProfile?.source), { id: vmId('vm1') }, 'echoed as given');
    assert.ok((version.storageProfile?.osDiskImage?.sizeInGB ?? 0) >= 1);
  });

  it('generalized, refuses to start and is captured into a managed image and a version of a Generalized definition', async () => {
    await compute.virtualMachines.generalize(RG, 'vm1');
    assert.deepEqual(await powerState('vm1'), ['PowerState/deallocated', 'OSState/generalized']);
    await assert.rejects(
      compute.virtualMachines.beginStartAndWait(RG, 'vm1'),
      armRefusal(409, 'OperationNotAllowed', /generalized/),
    );
    await assert.rejects(
      compute.galleryImageVersions.beginCreateOrUpdateAndWait(
        RG,
        'gallery',
        'specialized',
        '2.0.0',
        versionOf({ virtualMachineId: vmId('vm1') }),
      ),
      armRefusal(400, 'BadRequest', /different OS state \['Generalized'\] than .* \['Specialized'\]/),
    );

    const { osDisk: os, dataDisks } = (await compute.virtualMachines.get(RG, 'vm1')).storageProfile!;
    const disk = await compute.disks.get(RG, os!.name!);
    const dataDisk = await compute.disks.get(RG, dataDisks![0].name!);
    assert.equal(disk.diskState, 'Reserved', 'held by the deallocated VM, and still a source');
    const image = await compute.images.beginCreateOrUpdateAndWait(RG, 'image', fromVm('vm1'), POLL);
    assert.equal(image.provisioningState, 'Succeeded');
    assert.equal(image.sourceVirtualMachine?.id, vmId('vm1'));
    assert.equal(image.hyperVGeneration, 'V1', "the disk's generation");
    assert.deepEqual(sent(image.storageProfile?.osDisk), {
      osType: 'Linux',
      osState: 'Generalized',
      managedDisk: { id: disk.id },
      caching: 'ReadWrite',
      diskSizeGB: disk.diskSizeGB,
      storageAccountType: 'Standard_LRS',
    });
    assert.deepEqual(sent(image.storageProfile?.dataDisks), [
      {
        lun: 2,
        managedDisk: { id: dataDisk.id },
        caching: 'None',
        diskSizeGB: 1,
        storageAccountType: dataDisk.sku?.name,
      },
    ]);

    // What `az image update` does: the image as GET shows it, PUT back with a tag.
    const updated = await compute.images.beginCreateOrUpdateAndWait(
      RG,
      'image',
      { ...image, tags: { round: 'trip' } },
      POLL,
    );
    assert.equal(updated.provisioningState, 'Succeeded');
    assert.deepEqual(updated.tags, { round: 'trip' });
    assert.deepEqual(updated.storageProfile?.osDisk, image.storageProfile?.osDisk);
    assert.deepEqual(updated.storageProfile?.dataDisks, image.storageProfile?.dataDisks);

    const version = await compute.galleryImageVersions.beginCreateOrUpdateAndWait(
      RG,
      'gallery',
      'generalized',
      '1.0.0',
      versionOf({ virtualMachineId: vmId('vm1') }),
      POLL,
    );
    assert.equal(version.provisioningState, 'Succeeded');
    assert.deepEqual(sent(version.storageProfile?.source), { virtualMachineId: vmId('vm1') }, 'echoed as given');
    assert.deepEqual(
      version.storageProfile?.dataDiskImages?.map((d) => [d.lun, d.sizeInGB]),
      [[2, 1]],
    );
  });

  it("makes disks of the captures that hold what the VM's guest wrote", async () => {
    const fromImage = await compute.disks.beginCreateOrUpdateAndWait(
      RG,
      'from-image',
      {
        location: LOCATION,
        creationData: { createOption: 'FromImage', imageReference: { id: (await compute.images.get(RG, 'image')).id } },
      },
      POLL,
    );
    assert.equal(fromImage.provisioningState, 'Succeeded');
    const imageBytes = await download('from-image');
    await withReadOnlyMount(imageBytes, await findRootPartition(imageBytes), async (root) => {
      assert.equal((await readFile(join(root, 'var/lib/kiln-marker'), 'utf8')).trim(), OS_MARKER);
    });

    const version = await compute.galleryImageVersions.get(RG, 'gallery', 'generalized', '1.0.0');
    await compute.disks.beginCreateOrUpdateAndWait(
      RG,
      'from-version',
      { location: LOCATION, creationData: { createOption: 'FromImage', galleryImageReference: { id: version.id } } },
      POLL,
    );
    assert.equal(await sha256(await download('from-version')), await sha256(imageBytes), 'the same capture');

    // Their data disks: what the guest wrote at the start of the VM's data disk.
    const image = (await compute.images.get(RG, 'image')).id!;
    for (const [name, creationData] of [
      ['data-from-image', { createOption: 'FromImage', imageReference: { id: image, lun: 2 } }],
      ['data-from-version', { createOption: 'FromImage', galleryImageReference: { id: version.id, lun: 2 } }],
    ] as const) {
      await compute.disks.beginCreateOrUpdateAndWait(RG, name, { location: LOCATION, creationData }, POLL);
      const access = await compute.disks.grantAccess(RG, name, { access: 'Read', durationInSeconds: 600 });
      try {
        const head = await new BlobClient(access.accessSAS!).downloadToBuffer(0, DATA_MARKER.length);
        assert.equal(head.toString(), DATA_MARKER, name);
      } finally {
        await compute.disks.revokeAccess(RG, name);
      }
    }
  });

  it('is deleted with its OS disk and the data disk attached with deleteOption Delete; its interface stays', async () => {
    const { osDisk: os, dataDisks } = (await compute.virtualMachines.get(RG, 'vm1')).storageProfile!;
    const osDisk = os!.name!;
    const dataDisk = dataDisks![0].name!;
    await compute.virtualMachines.beginDeleteAndWait(RG, 'vm1', POLL);
    await assert.rejects(compute.virtualMachines.get(RG, 'vm1'), armRefusal(404, 'ResourceNotFound'));
    await assert.rejects(
      compute.disks.get(RG, osDisk),
      armRefusal(404, 'ResourceNotFound'),
      'deleteOption Delete took the disk',
    );
    await assert.rejects(
      compute.disks.get(RG, dataDisk),
      armRefusal(404, 'ResourceNotFound'),
      'and the data disk attached with deleteOption Delete',
    );
    const nic = await network.networkInterfaces.get(RG, 'nic');
    assert.equal(nic.virtualMachine, undefined, 'the interface (Detach) stays, free');
  });
});
