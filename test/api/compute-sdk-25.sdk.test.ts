// The newest @azure/arm-compute (25.1.1, installed beside 24.1.0 as @azure/arm-compute-25): it sends
// api-versions 24.1.0 does not (2026-04-01 to ComputeRP, 2026-03-02 to DiskRP, 2025-12-03 to GalleryRP),
// and Kiln must accept them and answer in shapes the 25.x deserializers read (issue 18).
import { ComputeManagementClient } from '@azure/arm-compute-25';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apiVersionRecorder } from '../support/api-version-recorder.ts';
import { armRefusal } from '../support/arm-refusal.ts';
import { makeVhd, putRegionBlob } from '../support/disk-data.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe('@azure/arm-compute 25.1.1 against Kiln', () => {
  let kiln: TestServer;
  let compute: ComputeManagementClient;
  let resources: ResourceManagementClient;
  let imageId: string;
  const rg = 'sdk25-rg';
  /** Every api-version the client put on a request, per resource family (the path segment after Microsoft.Compute). */
  const sent = new Map<string, Set<string>>();

  before(async () => {
    kiln = await startTestServer();
    compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, {
      endpoint: kiln.url,
      additionalPolicies: [
        apiVersionRecorder((url, version) => {
          const family = /\/providers\/Microsoft\.Compute\/(\w+)/i.exec(url.pathname)?.[1];
          if (family) sent.set(family, (sent.get(family) ?? new Set()).add(version));
        }),
      ],
    });
    resources = new ResourceManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    await resources.resourceGroups.createOrUpdate(rg, { location: 'westus' });
  });
  after(() => kiln.stop());

  it('finds its api-versions in the Microsoft.Compute provider listing', async () => {
    const provider = await resources.providers.get('Microsoft.Compute');
    const versionsOf = (type: string) => provider.resourceTypes?.find((t) => t.resourceType === type)?.apiVersions;
    for (const [type, version] of [
      ['images', '2026-04-01'],
      ['virtualMachines', '2026-04-01'],
      ['disks', '2026-03-02'],
      ['snapshots', '2026-03-02'],
      ['galleries', '2025-12-03'],
      ['galleries/images', '2025-12-03'],
      ['galleries/images/versions', '2025-12-03'],
    ])
      assert.ok(versionsOf(type)?.includes(version), `${type} lists ${version}`);
  });

  it('creates, reads and lists a managed image from a VHD blob (api-version 2026-04-01)', async () => {
    const blobUri = await putRegionBlob(kiln, 'westus', 'vhds/sdk25.vhd', makeVhd(16, 'sdk25-base'));
    const image = await compute.images.createOrUpdate(rg, 'base', {
      location: 'westus',
      hyperVGeneration: 'V2',
      storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
    });
    assert.equal(image.provisioningState, 'Succeeded');
    assert.equal(image.name, 'base');
    assert.equal(image.storageProfile?.osDisk?.blobUri, blobUri);
    imageId = image.id!;
    const read = await compute.images.get(rg, 'base');
    assert.equal(read.id, imageId);
    assert.equal(read.hyperVGeneration, 'V2');
    assert.equal(read.storageProfile?.osDisk?.osType, 'Linux');
    assert.equal(read.storageProfile?.osDisk?.osState, 'Generalized');
    const listed = [];
    for await (const i of compute.images.listByResourceGroup(rg)) listed.push(i.name);
    assert.deepEqual(listed, ['base']);
  });

  it('creates an empty disk and a snapshot of it (api-version 2026-03-02)', async () => {
    const disk = await compute.disks.createOrUpdate(rg, 'scratch', {
      location: 'westus',
      sku: { name: 'Standard_LRS' },
      diskSizeGB: 1,
      creationData: { createOption: 'Empty' },
    });
    assert.equal(disk.provisioningState, 'Succeeded');
    assert.equal(disk.diskSizeGB, 1);
    assert.equal(disk.diskSizeBytes, 1024 ** 3);
    assert.equal(disk.diskState, 'Unattached');
    assert.equal(disk.sku?.name, 'Standard_LRS');
    const snapshot = await compute.snapshots.createOrUpdate(rg, 'scratch-snap', {
      location: 'westus',
      creationData: { createOption: 'Copy', sourceResourceId: disk.id },
    });
    assert.equal(snapshot.provisioningState, 'Succeeded');
    assert.equal(snapshot.diskSizeGB, 1);
    assert.equal(snapshot.creationData?.sourceResourceId, disk.id);
    const snapshots = [];
    for await (const s of compute.snapshots.listByResourceGroup(rg)) snapshots.push(s.name);
    assert.deepEqual(snapshots, ['scratch-snap']);
  });

  it('creates, reads and lists a gallery and an image definition (api-version 2025-12-03)', async () => {
    const gallery = await compute.galleries.createOrUpdate(rg, 'shelf', {
      location: 'westus',
      description: 'newest SDK',
    });
    assert.equal(gallery.provisioningState, 'Succeeded');
    assert.equal(gallery.identifier?.uniqueName, `${kiln.subscriptionId}-SHELF`);
    assert.equal((await compute.galleries.get(rg, 'shelf')).description, 'newest SDK');
    const galleries = [];
    for await (const g of compute.galleries.listByResourceGroup(rg)) galleries.push(g.name);
    assert.deepEqual(galleries, ['shelf']);

    const definition = await compute.galleryImages.createOrUpdate(rg, 'shelf', 'debian', {
      location: 'westus',
      osType: 'Linux',
      osState: 'Generalized',
      hyperVGeneration: 'V2',
      identifier: { publisher: 'kiln', offer: 'debian', sku: '13' },
    });
    assert.equal(definition.provisioningState, 'Succeeded');
    assert.equal(definition.architecture, 'x64');
    const read = await compute.galleryImages.get(rg, 'shelf', 'debian');
    assert.deepEqual(read.identifier, { publisher: 'kiln', offer: 'debian', sku: '13' });
    assert.equal(read.hyperVGeneration, 'V2');
    const definitions = [];
    for await (const d of compute.galleryImages.listByGallery(rg, 'shelf')) definitions.push(d.name);
    assert.deepEqual(definitions, ['debian']);
  });

  it('replicates an image version from the managed image to two regions', async () => {
    const version = await compute.galleryImageVersions.createOrUpdate(rg, 'shelf', 'debian', '1.0.0', {
      location: 'westus',
      publishingProfile: {
        targetRegions: [
          { name: 'westus', regionalReplicaCount: 1 },
          { name: 'East US', regionalReplicaCount: 2 },
        ],
      },
      storageProfile: { source: { id: imageId } },
    });
    assert.equal(version.provisioningState, 'Succeeded');
    assert.equal(version.storageProfile?.osDiskImage?.sizeInGB, 1);
    assert.deepEqual(
      version.publishingProfile?.targetRegions?.map((r) => [r.name, r.regionalReplicaCount]),
      [
        ['West US', 1],
        ['East US', 2],
      ],
      'target regions come back by their display names, as Azure answers, whichever form was sent',
    );
    const read = await compute.galleryImageVersions.get(rg, 'shelf', 'debian', '1.0.0', {
      expand: 'ReplicationStatus',
    });
    const { aggregatedState, summary } = read.replicationStatus ?? {};
    assert.equal(aggregatedState, 'Completed');
    assert.deepEqual(
      summary?.map((s) => `${s.region}: ${s.state} ${s.progress}%`),
      ['West US: Completed 100%', 'East US: Completed 100%'],
    );
    assert.ok(read.publishingProfile?.publishedDate instanceof Date, 'publishedDate deserialized as a Date');
    const versions = [];
    for await (const v of compute.galleryImageVersions.listByGalleryImage(rg, 'shelf', 'debian')) versions.push(v.name);
    assert.deepEqual(versions, ['1.0.0']);
  });

  it('deletes everything it made, and each is gone', async () => {
    await compute.galleryImageVersions.delete(rg, 'shelf', 'debian', '1.0.0');
    await compute.galleryImages.delete(rg, 'shelf', 'debian');
    await compute.galleries.delete(rg, 'shelf');
    await compute.snapshots.delete(rg, 'scratch-snap');
    await compute.disks.delete(rg, 'scratch');
    await compute.images.delete(rg, 'base');
    await assert.rejects(compute.galleries.get(rg, 'shelf'), armRefusal(404, 'ResourceNotFound'));
    await assert.rejects(compute.disks.get(rg, 'scratch'), armRefusal(404, 'ResourceNotFound'));
    await assert.rejects(compute.images.get(rg, 'base'), armRefusal(404, 'ResourceNotFound'));
  });

  it('sent only the api-versions this SDK is known for', () => {
    assert.deepEqual(Object.fromEntries([...sent].map(([family, versions]) => [family, [...versions]])), {
      images: ['2026-04-01'],
      disks: ['2026-03-02'],
      snapshots: ['2026-03-02'],
      galleries: ['2025-12-03'],
    });
  });
});
