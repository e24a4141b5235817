// Microsoft.Compute/images through the official @azure/arm-compute client: the ten creation
// scenarios of seed 003 (Images - Create Or Update), the rest of the operations, and bad input. The
// three with a DiskEncryptionSet are refused at its path, as Kiln serves none (disks/encryption-sets.ts).
import { ComputeManagementClient, type Image } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { contentName, makeVhd, putRegionBlob, uploadDisk } from '../support/disk-data.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

type ArmFailure = { statusCode?: number; code?: string; message: string };

describe('managed images with @azure/arm-compute (seed 003 scenarios)', () => {
  let kiln: TestServer;
  let compute: ComputeManagementClient;
  let sub: string;
  const osVhd = makeVhd(20, 'image-os');
  const dataVhd = makeVhd(21, 'image-data');
  let osBlob: string;
  let dataBlob: string;
  let des: string;
  // Seed 003 writes some ids without their leading slash; ARM accepts them.
  const id = (type: string, name: string) =>
    `subscriptions/${sub}/resourceGroups/myResourceGroup/providers/Microsoft.Compute/${type}/${name}`;

  before(async () => {
    kiln = await startTestServer();
    sub = kiln.subscriptionId;
    compute = new ComputeManagementClient(kiln.credential, sub, { endpoint: kiln.url });
    await new ResourceManagementClient(kiln.credential, sub, { endpoint: kiln.url }).resourceGroups.createOrUpdate(
      'myResourceGroup',
      { location: 'westus' },
    );
    osBlob = await putRegionBlob(kiln, 'westus', 'osimages/osimage.vhd', osVhd);
    dataBlob = await putRegionBlob(kiln, 'westus', 'osimages/dataimage.vhd', dataVhd);
    await uploadDisk(compute, 'myResourceGroup', 'myManagedDisk', 'westus', osVhd);
    await uploadDisk(compute, 'myResourceGroup', 'myManagedDisk2', 'westus', dataVhd);
    await compute.snapshots.createOrUpdate('myResourceGroup', 'mySnapshot', {
      location: 'westus',
      creationData: { createOption: 'Copy', sourceResourceId: `/${id('disks', 'myManagedDisk')}` },
    });
    await compute.snapshots.createOrUpdate('myResourceGroup', 'mySnapshot2', {
      location: 'westus',
      creationData: { createOption: 'Copy', sourceResourceId: `/${id('disks', 'myManagedDisk2')}` },
    });
    des = `/subscriptions/${sub}/resourceGroups/myResourceGroup/providers/Microsoft.Compute/diskEncryptionSets/myDes`;
  });
  after(() => kiln.stop());

  /** The bytes the image pinned for its OS disk (and data disk at `lun`), read back from the region store. */
  async function pinnedSha(name: string, disk: 'os' | number): Promise<string | undefined> {
    const record = await kiln.server.kiln.store.get<{ internal: { blobs: Array<{ region: string; key: string }> } }>(
      `/subscriptions/${sub}/resourcegroups/myresourcegroup/providers/microsoft.compute/images/${name}`.toLowerCase(),
    );
    const blob = record!.data.internal.blobs.find((b) => b.key.endsWith(disk === 'os' ? '/os.vhd' : `/lun${disk}.vhd`));
    return blob && (await kiln.server.kiln.domain.regions.get(blob.region)!.stat(blob.key))?.sha256;
  }

  async function create(name: string, image: Image) {
    const created = await compute.images.createOrUpdate('myResourceGroup', name, image);
    assert.equal(created.provisioningState, 'Succeeded');
    assert.equal(created.location, 'westus', '"West US" is normalised');
    assert.equal(created.storageProfile?.osDisk?.caching, 'ReadWrite', 'caching defaults to ReadWrite');
    assert.equal(await pinnedSha(name, 'os'), contentName(osVhd));
    return created;
  }

  /** An image whose OS disk names the DiskEncryptionSet: refused at its path, and not made. */
  async function refusesEncryptionSet(name: string, source: Record<string, unknown>) {
    const osDisk = { osType: 'Linux', osState: 'Generalized', diskEncryptionSet: { id: des }, ...source } as const;
    await assert.rejects(
      compute.images.createOrUpdate('myResourceGroup', name, { location: 'West US', storageProfile: { osDisk } }),
      (error: ArmFailure) => {
        assert.equal(error.statusCode, 400);
        assert.match(
          error.message,
          /'properties\.storageProfile\.osDisk\.diskEncryptionSet\.id' names a disk encryption set/,
        );
        assert.match(error.message, /serves no disk encryption sets/);
        return true;
      },
    );
    await assert.rejects(compute.images.get('myResourceGroup', name), { statusCode: 404 });
  }

  it('1. from a blob with a DiskEncryptionSet: refused, as Kiln serves none', async () => {
    await refusesEncryptionSet('blob-des', { blobUri: osBlob });
  });

  it('2. from a blob, zone resilient', async () => {
    const image = await create('blob', {
      location: 'West US',
      storageProfile: { osDisk: { osType: 'Linux', blobUri: osBlob, osState: 'Generalized' }, zoneResilient: true },
    });
    assert.equal(image.storageProfile?.zoneResilient, true);
    assert.equal(image.storageProfile?.osDisk?.blobUri, osBlob);
  });

  it('3. from a managed disk with a DiskEncryptionSet: refused', async () => {
    await refusesEncryptionSet('disk-des', { managedDisk: { id: id('disks', 'myManagedDisk') } });
  });

  it('4. from a managed disk', async () => {
    await create('disk', {
      location: 'West US',
      storageProfile: {
        osDisk: { osType: 'Linux', managedDisk: { id: id('disks', 'myManagedDisk') }, osState: 'Generalized' },
        zoneResilient: true,
      },
    });
  });

  it('5. from a snapshot with a DiskEncryptionSet: refused', async () => {
    await refusesEncryptionSet('snap-des', { snapshot: { id: id('snapshots', 'mySnapshot') } });
  });

  it('6. from a snapshot', async () => {
    await create('snap', {
      location: 'West US',
      storageProfile: {
        osDisk: { osType: 'Linux', snapshot: { id: id('snapshots', 'mySnapshot') }, osState: 'Generalized' },
        zoneResilient: false,
      },
    });
  });

  it('7. from an existing virtual machine: NotFound naming the VM, nothing created', async () => {
    const vm = `/subscriptions/${sub}/resourceGroups/myResourceGroup/providers/Microsoft.Compute/virtualMachines/myVM`;
    await assert.rejects(
      compute.images.createOrUpdate('myResourceGroup', 'from-vm', {
        location: 'West US',
        sourceVirtualMachine: { id: vm },
      }),
      (error: ArmFailure) => {
        assert.equal(error.statusCode, 404);
        assert.equal(error.code, 'NotFound');
        assert.match(error.message, /virtualMachines\/myVM/);
        return true;
      },
    );
    await assert.rejects(compute.images.get('myResourceGroup', 'from-vm'), { statusCode: 404 });
  });

  for (const [n, kind, source] of [
    [8, 'blob', () => ({ blobUri: dataBlob })],
    [9, 'managed disk', () => ({ managedDisk: { id: id('disks', 'myManagedDisk2') } })],
    [10, 'snapshot', () => ({ snapshot: { id: id('snapshots', 'mySnapshot2') } })],
  ] as const) {
    it(`${n}. with a data disk from a ${kind}`, async () => {
      const osSource =
        kind === 'blob'
          ? { blobUri: osBlob }
          : kind === 'snapshot'
            ? { snapshot: { id: id('snapshots', 'mySnapshot') } }
            : { managedDisk: { id: id('disks', 'myManagedDisk') } };
      const name = `data-${n}`;
      const image = await create(name, {
        location: 'West US',
        storageProfile: {
          osDisk: { osType: 'Linux', osState: 'Generalized', ...osSource },
          dataDisks: [{ lun: 1, ...source() }],
          zoneResilient: false,
        },
      });
      assert.equal(image.storageProfile?.dataDisks?.length, 1);
      assert.equal(image.storageProfile?.dataDisks?.[0].lun, 1);
      assert.equal(image.storageProfile?.dataDisks?.[0].caching, 'ReadWrite');
      assert.equal(await pinnedSha(name, 1), contentName(dataVhd));
    });
  }

  it('keeps extendedLocation and hyperVGeneration', async () => {
    const image = await create('edge', {
      location: 'westus',
      extendedLocation: { name: 'kiln-edge-1', type: 'EdgeZone' },
      hyperVGeneration: 'V2',
      storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri: osBlob } },
    });
    assert.deepEqual(image.extendedLocation, { name: 'kiln-edge-1', type: 'EdgeZone' });
    assert.equal(image.hyperVGeneration, 'V2');
  });

  it('keeps its own copy of the bytes after the source disk is deleted', async () => {
    await uploadDisk(compute, 'myResourceGroup', 'short-lived', 'westus', osVhd);
    await create('survivor', {
      location: 'westus',
      storageProfile: {
        osDisk: { osType: 'Linux', osState: 'Generalized', managedDisk: { id: id('disks', 'short-lived') } },
      },
    });
    await compute.disks.delete('myResourceGroup', 'short-lived');
    assert.equal(await pinnedSha('survivor', 'os'), contentName(osVhd));
  });

  it('lists by group and subscription, patches tags, updates with PUT (200) and deletes', async () => {
    const byGroup: string[] = [];
    for await (const image of compute.images.listByResourceGroup('myResourceGroup')) byGroup.push(image.name!);
    assert.ok(byGroup.includes('blob') && byGroup.includes('data-10'));
    const bySubscription: string[] = [];
    for await (const image of compute.images.list()) bySubscription.push(image.name!);
    assert.deepEqual(bySubscription.sort(), byGroup.sort());

    const patched = await compute.images.update('myResourceGroup', 'blob', { tags: { stage: 'golden' } });
    assert.deepEqual(patched.tags, { stage: 'golden' });
    const replaced = await compute.images.createOrUpdate('myResourceGroup', 'blob', {
      location: 'westus',
      tags: { stage: 'silver' },
      storageProfile: { osDisk: { osType: 'Linux', osState: 'Specialized', blobUri: osBlob } },
    });
    assert.equal(replaced.storageProfile?.osDisk?.osState, 'Specialized');
    assert.deepEqual(replaced.tags, { stage: 'silver' });

    await compute.images.delete('myResourceGroup', 'blob');
    await assert.rejects(compute.images.get('myResourceGroup', 'blob'), { statusCode: 404, code: 'ResourceNotFound' });
  });

  it('reports every bad field at once with its JSON path', async () => {
    await assert.rejects(
      compute.images.createOrUpdate('myResourceGroup', 'bad', {
        location: 'westus',
        storageProfile: {
          osDisk: {
            osType: 'Linux',
            osState: 'Generalized',
            blobUri: osBlob,
            caching: 'Sometimes' as 'None',
            storageAccountType: 'UltraSSD_LRS',
            diskSizeGB: 2000,
          },
          dataDisks: [
            { lun: 1, blobUri: dataBlob },
            { lun: 1, blobUri: dataBlob },
          ],
        },
      }),
      (error: ArmFailure) => {
        assert.equal(error.statusCode, 400);
        assert.equal(error.code, 'InvalidParameter');
        // The SDK keeps only code and message; the message names every bad path (the details array is checked over raw HTTP).
        for (const path of ['dataDisks[1].lun', 'osDisk.caching', 'osDisk.diskSizeGB', 'osDisk.storageAccountType']) {
          assert.ok(error.message.includes(`properties.storageProfile.${path}`), `${path} in ${error.message}`);
        }
        return true;
      },
    );
    await assert.rejects(compute.images.get('myResourceGroup', 'bad'), { statusCode: 404 });
  });

  it('names the missing source and the missing resource group', async () => {
    await assert.rejects(
      compute.images.createOrUpdate('myResourceGroup', 'ghost', {
        location: 'westus',
        storageProfile: {
          osDisk: { osType: 'Linux', osState: 'Generalized', snapshot: { id: id('snapshots', 'ghost') } },
        },
      }),
      (error: ArmFailure) => error.statusCode === 404 && /snapshots\/ghost/.test(error.message),
    );
    await assert.rejects(
      compute.images.createOrUpdate('noSuchGroup', 'x', {
        location: 'westus',
        storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri: osBlob } },
      }),
      { statusCode: 404, code: 'ResourceGroupNotFound' },
    );
  });
});
