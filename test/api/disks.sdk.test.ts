// Microsoft.Compute/disks and /snapshots through the official @azure/arm-compute client and the
// @azure/storage-blob page blob client, against a started HTTPS server.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import { AnonymousCredential, BlobClient, PageBlobClient } from '@azure/storage-blob';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DISK_TYPE_FIXED, parseVhdFooter } from '../../src/core/vhd.ts';
import { MIB, makeVhd, putRegionBlob, sha256, uploadDisk } from '../support/disk-data.ts';
import { armRefusal, type ArmFailure } from '../support/arm-refusal.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe('disks and snapshots with @azure/arm-compute', () => {
  let kiln: TestServer;
  let compute: ComputeManagementClient;
  const vhd = makeVhd(20, 'os-disk');

  before(async () => {
    kiln = await startTestServer();
    compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    const resources = new ResourceManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    await resources.resourceGroups.createOrUpdate('disks', { location: 'westus' });
  });
  after(() => kiln.stop());

  it('uploads a VHD through the write SAS and downloads the same bytes through a read SAS', async () => {
    await uploadDisk(compute, 'disks', 'uploaded', 'westus', vhd);
    const disk = await compute.disks.get('disks', 'uploaded');
    assert.equal(disk.provisioningState, 'Succeeded');
    assert.equal(disk.diskState, 'Unattached');
    assert.equal(disk.diskSizeBytes, 20 * MIB);
    assert.equal(disk.diskSizeGB, 1);
    assert.equal(disk.osType, 'Linux');
    assert.equal(disk.creationData?.createOption, 'Upload');

    const read = await compute.disks.grantAccess('disks', 'uploaded', { access: 'Read', durationInSeconds: 600 });
    assert.equal((await compute.disks.get('disks', 'uploaded')).diskState, 'ActiveSAS');
    const downloaded = await new BlobClient(read.accessSAS!).downloadToBuffer();
    assert.equal(sha256(downloaded), sha256(vhd));
    await compute.disks.revokeAccess('disks', 'uploaded');
    assert.equal((await compute.disks.get('disks', 'uploaded')).diskState, 'Unattached');
    // Ending access revokes the SAS before its expiry, as in Azure.
    assert.equal((await fetch(read.accessSAS!)).status, 403);
    const again = await compute.disks.grantAccess('disks', 'uploaded', { access: 'Read', durationInSeconds: 600 });
    assert.equal((await fetch(again.accessSAS!, { method: 'HEAD' })).status, 200);
    await compute.disks.revokeAccess('disks', 'uploaded');
  });

  it('refuses to seal an upload that is not a VHD and lets the user upload again', async () => {
    const notVhd = Buffer.alloc(20 * MIB + 512, 7);
    await compute.disks.createOrUpdate('disks', 'garbage', {
      location: 'westus',
      creationData: { createOption: 'Upload', uploadSizeBytes: notVhd.length },
    });
    const access = await compute.disks.grantAccess('disks', 'garbage', { access: 'Write', durationInSeconds: 600 });
    const pages = new PageBlobClient(access.accessSAS!, new AnonymousCredential());
    for (let offset = 0; offset < notVhd.length; offset += 4 * MIB) {
      const chunk = notVhd.subarray(offset, Math.min(offset + 4 * MIB, notVhd.length));
      await pages.uploadPages(chunk, offset, chunk.length);
    }
    // core-lro reports a failed operation as an Error whose message carries the operation's code and message.
    await assert.rejects(
      compute.disks.revokeAccess('disks', 'garbage'),
      /InvalidVhd\. The uploaded data does not end in a valid VHD footer/,
    );
    assert.equal((await compute.disks.get('disks', 'garbage')).diskState, 'ReadyToUpload');
  });

  it('copies a disk into a snapshot and the snapshot into a disk in another region', async () => {
    const source = await compute.disks.get('disks', 'uploaded');
    const snapshot = await compute.snapshots.createOrUpdate('disks', 'snap', {
      location: 'westus',
      creationData: { createOption: 'Copy', sourceResourceId: source.id },
    });
    assert.equal(snapshot.provisioningState, 'Succeeded');
    assert.equal(snapshot.creationData?.sourceUniqueId, source.uniqueId);
    assert.equal(snapshot.osType, 'Linux');

    const copy = await compute.disks.createOrUpdate('disks', 'copy-east', {
      location: 'eastus',
      creationData: { createOption: 'Copy', sourceResourceId: snapshot.id },
    });
    assert.equal(copy.provisioningState, 'Succeeded');
    assert.equal(copy.location, 'eastus');
    const read = await compute.disks.grantAccess('disks', 'copy-east', { access: 'Read', durationInSeconds: 600 });
    assert.equal(sha256(await new BlobClient(read.accessSAS!).downloadToBuffer()), sha256(vhd));
  });

  it('imports a disk from a VHD blob in a region store', async () => {
    const blobUri = await putRegionBlob(kiln, 'westus', 'vhds/import.vhd', vhd);
    const disk = await compute.disks.createOrUpdate('disks', 'imported', {
      location: 'westus',
      creationData: {
        createOption: 'Import',
        sourceUri: blobUri,
        storageAccountId: `/subscriptions/${kiln.subscriptionId}/resourceGroups/disks/providers/Microsoft.Storage/storageAccounts/westus`,
      },
    });
    assert.equal(disk.provisioningState, 'Succeeded');
    assert.equal(disk.diskSizeBytes, 20 * MIB);
  });

  it('refuses imports that are not 1 MiB-aligned fixed VHDs, naming the field', async () => {
    const unaligned = Buffer.concat([
      Buffer.alloc(MIB + 4096),
      (await import('../../src/core/vhd.ts')).createFixedVhdFooter(MIB + 4096),
    ]);
    const notVhd = Buffer.alloc(2 * MIB, 1);
    for (const [name, content, why] of [
      ['unaligned.vhd', unaligned, /whole number of MiB/],
      ['plain.raw', notVhd, /not a valid fixed VHD/],
    ] as const) {
      const sourceUri = await putRegionBlob(kiln, 'westus', `vhds/${name}`, content);
      await assert.rejects(
        compute.disks.createOrUpdate('disks', `bad-${name.replace('.', '-')}`, {
          location: 'westus',
          creationData: { createOption: 'Import', sourceUri },
        }),
        (error: ArmFailure) =>
          error.statusCode === 400 &&
          error.code === 'InvalidVhd' &&
          why.test(error.message) &&
          /sourceUri/.test(error.message),
      );
    }
  });

  it('creates an empty disk holding a zeroed VHD of the asked size', async () => {
    const disk = await compute.disks.createOrUpdate('disks', 'empty', {
      location: 'westus2',
      diskSizeGB: 1,
      creationData: { createOption: 'Empty' },
    });
    assert.equal(disk.provisioningState, 'Succeeded');
    assert.equal(disk.diskSizeBytes, 1024 * MIB);
  });

  it('creates an empty snapshot of the asked size, which a disk copies', async () => {
    const snapshot = await compute.snapshots.createOrUpdate('disks', 'empty-snap', {
      location: 'westus2',
      diskSizeGB: 2,
      creationData: { createOption: 'Empty' },
    });
    assert.equal(snapshot.provisioningState, 'Succeeded');
    assert.equal(snapshot.creationData?.createOption, 'Empty');
    assert.equal(snapshot.diskSizeBytes, 2048 * MIB);
    const disk = await compute.disks.createOrUpdate('disks', 'from-empty-snap', {
      location: 'westus2',
      creationData: { createOption: 'Copy', sourceResourceId: snapshot.id },
    });
    assert.equal(disk.provisioningState, 'Succeeded');
    assert.equal(disk.diskSizeBytes, 2048 * MIB);
    await assert.rejects(
      compute.snapshots.createOrUpdate('disks', 'sizeless', {
        location: 'westus2',
        creationData: { createOption: 'Empty' },
      }),
      armRefusal(400, 'InvalidParameter', /diskSizeGB/),
    );
    await compute.disks.beginDeleteAndWait('disks', 'from-empty-snap');
    await compute.snapshots.beginDeleteAndWait('disks', 'empty-snap');
  });

  it(
    'makes an Empty disk of 32,767 GiB and a snapshot of it at once, reads them through a SAS and deletes them',
    { timeout: 60_000 },
    async () => {
      // Issue 12: every disk byte is a chunk; a disk nobody wrote is a list of zero chunks, made,
      // copied and deleted without touching 32 TiB. The timeout is the bound: hashing or writing the
      // zeros would take hours.
      const size = 32767 * 1024 * MIB;
      const lro = { updateIntervalInMs: 50 };
      const disk = await compute.disks.beginCreateOrUpdateAndWait(
        'disks',
        'huge',
        { location: 'westus', diskSizeGB: 32767, creationData: { createOption: 'Empty' } },
        lro,
      );
      assert.equal(disk.provisioningState, 'Succeeded');
      assert.equal(disk.diskSizeBytes, size);
      const snapshot = await compute.snapshots.beginCreateOrUpdateAndWait(
        'disks',
        'huge-snap',
        { location: 'westus', creationData: { createOption: 'Copy', sourceResourceId: disk.id } },
        lro,
      );
      assert.equal(snapshot.provisioningState, 'Succeeded');
      assert.equal(snapshot.diskSizeBytes, size);

      const read = await compute.snapshots.beginGrantAccessAndWait(
        'disks',
        'huge-snap',
        { access: 'Read', durationInSeconds: 600 },
        lro,
      );
      const blob = new BlobClient(read.accessSAS!);
      assert.equal((await blob.getProperties()).contentLength, size + 512);
      const tail = await blob.downloadToBuffer(size - 512, 1024);
      assert.ok(tail.subarray(0, 512).equals(Buffer.alloc(512)), 'the disk reads as zeros');
      const footer = parseVhdFooter(tail.subarray(512));
      assert.ok(footer.ok, footer.ok ? '' : footer.reason);
      assert.equal(footer.footer.currentSize, size);
      assert.equal(footer.footer.diskType, DISK_TYPE_FIXED);
      assert.ok((await blob.downloadToBuffer(16 * 1024 * 1024 * MIB, MIB)).equals(Buffer.alloc(MIB)));
      await compute.snapshots.beginRevokeAccessAndWait('disks', 'huge-snap', lro);

      await compute.snapshots.beginDeleteAndWait('disks', 'huge-snap', lro);
      await compute.disks.beginDeleteAndWait('disks', 'huge', lro);
      await assert.rejects(compute.disks.get('disks', 'huge'), armRefusal(404, 'ResourceNotFound'));
    },
  );

  it('lists by resource group and subscription, patches tags and deletes', async () => {
    const inGroup = [];
    for await (const disk of compute.disks.listByResourceGroup('disks')) inGroup.push(disk.name);
    assert.ok(inGroup.includes('uploaded') && inGroup.includes('copy-east'));
    const inSubscription = [];
    for await (const snapshot of compute.snapshots.list()) inSubscription.push(snapshot.name);
    assert.deepEqual(inSubscription, ['snap']);

    const patched = await compute.disks.update('disks', 'imported', { tags: { purpose: 'test' } });
    assert.deepEqual(patched.tags, { purpose: 'test' });
    await compute.disks.delete('disks', 'imported');
    await assert.rejects(
      compute.disks.get('disks', 'imported'),
      armRefusal(404, 'ResourceNotFound', /Microsoft.Compute\/disks\/imported/),
    );
  });

  it('reports bad input with the field path and creates nothing', async () => {
    await assert.rejects(
      compute.disks.createOrUpdate('disks', 'bad-size', {
        location: 'westus',
        creationData: { createOption: 'Upload', uploadSizeBytes: 20 * MIB + 100 },
      }),
      (error: ArmFailure & { details?: unknown }) => {
        assert.equal(error.statusCode, 400);
        assert.match(error.message, /uploadSizeBytes|512/);
        return true;
      },
    );
    await assert.rejects(
      compute.disks.createOrUpdate('disks', 'bad-option', {
        location: 'westus',
        creationData: { createOption: 'Teleport' as 'Empty' },
      }),
      armRefusal(400, 'InvalidParameter', /createOption/),
    );
    await assert.rejects(
      compute.disks.createOrUpdate('missing-group', 'd', {
        location: 'westus',
        creationData: { createOption: 'Empty' },
        diskSizeGB: 1,
      }),
      armRefusal(404, 'ResourceGroupNotFound'),
    );
    await assert.rejects(
      compute.disks.createOrUpdate('disks', 'no-source', {
        location: 'westus',
        creationData: {
          createOption: 'Copy',
          sourceResourceId: `/subscriptions/${kiln.subscriptionId}/resourceGroups/disks/providers/Microsoft.Compute/disks/nothing`,
        },
      }),
      armRefusal(404, 'NotFound', /nothing/),
    );
    for (const name of ['bad-size', 'bad-option', 'no-source'])
      await assert.rejects(compute.disks.get('disks', name), armRefusal(404, 'ResourceNotFound'));
  });
});
