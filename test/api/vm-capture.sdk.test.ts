// A VM as the source of images, through @azure/arm-compute against a started server over HTTPS: one
// VM booted from the bootstrapped Debian (test/support/reachable-vm.ts) with an empty data disk at
// LUN 1, a marker written in it and on the data disk over SSH, then deallocated. Not yet generalized, it is refused as a managed image (Azure's 409
// OperationNotAllowed) and for a Generalized definition (Azure's 400 BadRequest), and captured into a
// Specialized one (`storageProfile.source.id`, as older clients name a VM); generalized, it is captured
// into a managed image (`sourceVirtualMachine`, seed 003) and a version of a Generalized definition
// (`storageProfile.source.virtualMachineId`, seed 002), each with the data disk at its LUN. A disk
// made FromImage of the managed image holds the marker (mounted read-only), and one made of the
// version the same bytes; disks made of their data disk at LUN 1 start with the data disk's marker.
// A missing VM is 404 NotFound, a running one 409, each at the JSON path that names it.
import { ComputeManagementClient, type GalleryImageVersion, type Image } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import { BlobClient } from '@azure/storage-blob';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findRootPartition } from '../../src/imaging/disk/disk-image.ts';
import { armRefusal } from '../support/arm-refusal.ts';
import { withReadOnlyMount } from '../support/disk-inspection.ts';
import { linuxDefinition } from '../support/gallery-image.ts';
import {
  DEBIAN_REFERENCE,
  importDebian,
  makeReachableNetwork,
  makeSshKeys,
  sshTo,
  type SshKeys,
} from '../support/reachable-vm.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const RG = 'capture-rg';
const LOCATION = 'westus';
const POLL = { updateIntervalInMs: 1000 };

describe('capturing a VM with @azure/arm-compute', { skip: process.getuid?.() !== 0 && 'VMs need root' }, () => {
  let kiln: TestServer;
  let compute: ComputeManagementClient;
  let sub: string;
  let keys: SshKeys;
  let shell: ReturnType<typeof sshTo>;
  let work: string;
  const marker = `kiln-capture-${randomUUID()}`;
  const vmId = (name: string) =>
    `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/${name}`;
  const fromVm = (id: string): Image => ({ location: LOCATION, sourceVirtualMachine: { id } });
  const versionOf = (source: { id?: string; virtualMachineId?: string }): GalleryImageVersion => ({
    location: LOCATION,
    storageProfile: { source },
  });

  /** A PUT with the admin's token, for the error's target, which the SDK does not show. */
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

  before(async () => {
    // A pool of its own, so a VM of another test process on this host holds no address this one gets.
    kiln = await startTestServer({ config: { network: { publicIpAddressPool: '127.102.0.0/24' } } });
    sub = kiln.subscriptionId;
    compute = new ComputeManagementClient(kiln.credential, sub, { endpoint: kiln.url });
    await importDebian(kiln);
    await new ResourceManagementClient(kiln.credential, sub, { endpoint: kiln.url }).resourceGroups.createOrUpdate(RG, {
      location: LOCATION,
    });
    keys = await makeSshKeys();
    work = await mkdtemp(join(tmpdir(), 'kiln-capture-'));
    const network = new NetworkManagementClient(kiln.credential, sub, { endpoint: kiln.url });
    const { address } = await makeReachableNetwork(network, { subscription: sub, name: RG, location: LOCATION }, [
      'nic',
    ]);
    shell = sshTo(address, keys);
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

  it('boots a VM and writes a marker in it over SSH', async () => {
    const vm = await compute.virtualMachines.beginCreateOrUpdateAndWait(
      RG,
      'vm',
      {
        location: LOCATION,
        hardwareProfile: { vmSize: 'Standard_B1s' },
        storageProfile: {
          imageReference: DEBIAN_REFERENCE,
          osDisk: { createOption: 'FromImage', managedDisk: { storageAccountType: 'Standard_LRS' } },
          dataDisks: [{ lun: 1, createOption: 'Empty', diskSizeGB: 1 }],
        },
        osProfile: {
          computerName: 'kiln-capture',
          adminUsername: 'azureuser',
          linuxConfiguration: {
            disablePasswordAuthentication: true,
            ssh: { publicKeys: [{ path: '/home/azureuser/.ssh/authorized_keys', keyData: keys.publicKey }] },
          },
        },
        networkProfile: {
          networkInterfaces: [
            { id: `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.Network/networkInterfaces/nic` },
          ],
        },
      },
      POLL,
    );
    assert.equal(vm.provisioningState, 'Succeeded');
    const wrote = await shell.sshWhenUp(
      `echo ${marker} | sudo tee /var/lib/kiln-capture-marker >/dev/null; sync; printf ${marker} | sudo dd of=/dev/disk/by-id/virtio-lun1 conv=fsync status=none`,
    );
    assert.equal(wrote.status, 0, wrote.stderr);
  });

  it('refuses a missing VM (404) and a running one (409), at the field naming it', async () => {
    await assert.rejects(
      compute.images.beginCreateOrUpdateAndWait(RG, 'image', fromVm(vmId('missing'))),
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
      properties: { sourceVirtualMachine: { id: vmId('vm') } },
    });
    assert.equal(image.status, 409);
    assert.equal(image.error?.code, 'OperationNotAllowed');
    assert.equal(
      image.error?.message,
      "The operation 'Create Image' requires the Virtual Machine 'vm' to be Generalized.",
    );
    assert.equal(image.error?.target, 'properties.sourceVirtualMachine.id');
    await assert.rejects(
      compute.galleryImageVersions.beginCreateOrUpdateAndWait(
        RG,
        'gallery',
        'specialized',
        '0.0.1',
        versionOf({ virtualMachineId: vmId('vm') }),
      ),
      armRefusal(409, 'OperationNotAllowed', /'vm' is running.*power it off or deallocate it/),
    );
    await assert.rejects(
      compute.galleryImageVersions.get(RG, 'gallery', 'specialized', '0.0.1'),
      armRefusal(404, 'ResourceNotFound'),
    );
  });

  it('captures the deallocated, specialized VM for a Specialized definition only', async () => {
    await compute.virtualMachines.beginDeallocateAndWait(RG, 'vm', POLL);
    await assert.rejects(
      compute.images.beginCreateOrUpdateAndWait(RG, 'image', fromVm(vmId('vm'))),
      armRefusal(409, 'OperationNotAllowed', /requires the Virtual Machine 'vm' to be Generalized/),
    );
    await assert.rejects(
      compute.galleryImageVersions.beginCreateOrUpdateAndWait(
        RG,
        'gallery',
        'generalized',
        '0.0.1',
        versionOf({ virtualMachineId: vmId('vm') }),
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
      versionOf({ id: vmId('vm') }),
      POLL,
    );
    assert.equal(version.provisioningState, 'Succeeded');
    assert.deepEqual(sent(version.storageProfile?.source), { id: vmId('vm') }, 'echoed as given');
    assert.ok((version.storageProfile?.osDiskImage?.sizeInGB ?? 0) >= 1);
  });

  it('generalized, captures it into a managed image and a version of a Generalized definition', async () => {
    await compute.virtualMachines.generalize(RG, 'vm');
    await assert.rejects(
      compute.galleryImageVersions.beginCreateOrUpdateAndWait(
        RG,
        'gallery',
        'specialized',
        '2.0.0',
        versionOf({ virtualMachineId: vmId('vm') }),
      ),
      armRefusal(400, 'BadRequest', /different OS state \['Generalized'\] than .* \['Specialized'\]/),
    );

    const { osDisk: os, dataDisks } = (await compute.virtualMachines.get(RG, 'vm')).storageProfile!;
    const disk = await compute.disks.get(RG, os!.name!);
    const dataDisk = await compute.disks.get(RG, dataDisks![0].name!);
    assert.equal(disk.diskState, 'Reserved', 'held by the deallocated VM, and still a source');
    const image = await compute.images.beginCreateOrUpdateAndWait(RG, 'image', fromVm(vmId('vm')), POLL);
    assert.equal(image.provisioningState, 'Succeeded');
    assert.equal(image.sourceVirtualMachine?.id, vmId('vm'));
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
        lun: 1,
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
      versionOf({ virtualMachineId: vmId('vm') }),
      POLL,
    );
    assert.equal(version.provisioningState, 'Succeeded');
    assert.deepEqual(sent(version.storageProfile?.source), { virtualMachineId: vmId('vm') }, 'echoed as given');
    assert.deepEqual(
      version.storageProfile?.dataDiskImages?.map((d) => [d.lun, d.sizeInGB]),
      [[1, 1]],
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
      assert.equal((await readFile(join(root, 'var/lib/kiln-capture-marker'), 'utf8')).trim(), marker);
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
      ['data-from-image', { createOption: 'FromImage', imageReference: { id: image, lun: 1 } }],
      ['data-from-version', { createOption: 'FromImage', galleryImageReference: { id: version.id, lun: 1 } }],
    ] as const) {
      await compute.disks.beginCreateOrUpdateAndWait(RG, name, { location: LOCATION, creationData }, POLL);
      const access = await compute.disks.grantAccess(RG, name, { access: 'Read', durationInSeconds: 600 });
      try {
        const head = await new BlobClient(access.accessSAS!).downloadToBuffer(0, marker.length);
        assert.equal(head.toString(), marker, name);
      } finally {
        await compute.disks.revokeAccess(RG, name);
      }
    }
  });
});
