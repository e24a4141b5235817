// Platform images as Azure lists them, through @azure/arm-compute's virtualMachineImages (what `az vm
// image list --all` and `az vm image show` call) and raw HTTPS, over a catalog the test imports.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { armRefusal } from '../support/arm-refusal.ts';
import { importBusyboxImage } from '../support/platform-image.ts';
import { principalCredential, startTestServer, type TestServer } from '../support/test-server.ts';

/** The catalog the tests list: two skus of one offer (one of them Generation 2), and another publisher. */
const CATALOG = [
  { publisher: 'Kiln', offer: 'busybox', sku: 'minimal', version: '1.2.0' },
  { publisher: 'Kiln', offer: 'busybox', sku: 'minimal', version: '1.10.0' },
  { publisher: 'Kiln', offer: 'busybox', sku: 'minimal', version: '1.0.0' },
  { publisher: 'Kiln', offer: 'busybox', sku: 'minimal-gen2', version: '1.0.0', hyperVGeneration: 'V2' as const },
  { publisher: 'acme', offer: 'tools', sku: 'one', version: '2.0.0' },
];

describe('platform images with @azure/arm-compute', () => {
  let kiln: TestServer;
  let compute: ComputeManagementClient;
  let sub: string;

  /** A GET with the admin's token: the parsed body and status. */
  const get = async (path: string) => {
    const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const response = await fetch(`${kiln.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> & unknown[] };
  };

  before(async () => {
    kiln = await startTestServer();
    sub = kiln.subscriptionId;
    compute = new ComputeManagementClient(kiln.credential, sub, { endpoint: kiln.url });
    for (const image of CATALOG) await importBusyboxImage(kiln, image);
  });
  after(() => kiln.stop());

  it('lists publishers, offers and skus of the catalog in every region, names compared without case', async () => {
    const publishers = await compute.virtualMachineImages.listPublishers('westus');
    assert.deepEqual(
      publishers.map((p) => p.name),
      ['acme', 'Kiln'],
    );
    assert.deepEqual(publishers[1], {
      id: `/Subscriptions/${sub}/Providers/Microsoft.Compute/Locations/westus/Publishers/Kiln`,
      name: 'Kiln',
      location: 'westus',
      tags: undefined,
      extendedLocation: undefined,
    });
    // `West US` names the region too; ARM's path segments and names compare without case.
    const offers = await compute.virtualMachineImages.listOffers('West US', 'KILN');
    assert.deepEqual(
      offers.map((o) => [o.name, o.location, o.id]),
      [
        [
          'busybox',
          'westus',
          `/Subscriptions/${sub}/Providers/Microsoft.Compute/Locations/westus/Publishers/Kiln/ArtifactTypes/VMImage/Offers/busybox`,
        ],
      ],
    );
    const skus = await compute.virtualMachineImages.listSkus('eastus', 'kiln', 'BusyBox');
    assert.deepEqual(
      skus.map((s) => s.name),
      ['minimal', 'minimal-gen2'],
    );
    // What the SDK's model leaves out: Azure's skus carry their automatic OS upgrade support.
    const raw = await get(
      `/subscriptions/${sub}/providers/microsoft.compute/Locations/eastus/Publishers/kiln/ArtifactTypes/VMImage/Offers/busybox/skus?api-version=2022-11-01`,
    );
    assert.equal(raw.status, 200);
    assert.deepEqual((raw.body[0] as { properties: unknown }).properties, {
      automaticOSUpgradeProperties: { automaticOSUpgradeSupported: false },
    });
  });

  it("lists a sku's versions lowest first, the latest with $top=1 and $orderby=name desc, properties with $expand", async () => {
    const versions = await compute.virtualMachineImages.list('westus', 'Kiln', 'busybox', 'minimal');
    assert.deepEqual(
      versions.map((v) => v.name),
      ['1.0.0', '1.2.0', '1.10.0'],
    );
    assert.equal(
      versions[2].id,
      `/Subscriptions/${sub}/Providers/Microsoft.Compute/Locations/westus/Publishers/Kiln/ArtifactTypes/VMImage/Offers/busybox/Skus/minimal/Versions/1.10.0`,
    );
    // azure-cli's way to the latest version (`_get_latest_image_version`).
    const latest = await compute.virtualMachineImages.list('westus', 'Kiln', 'busybox', 'minimal', {
      top: 1,
      orderby: 'name desc',
    });
    assert.deepEqual(
      latest.map((v) => v.name),
      ['1.10.0'],
    );
    const base = `/subscriptions/${sub}/providers/Microsoft.Compute/locations/westus/publishers/Kiln/artifacttypes/vmimage/offers/busybox/skus/minimal/versions?api-version=2024-07-01`;
    const plain = await get(base);
    assert.equal((plain.body[0] as { properties?: unknown }).properties, undefined);
    // azure-cli 2.60 and later ask for `properties/imageDeprecationStatus` and read the architecture.
    const expanded = await get(`${base}&$expand=properties/imageDeprecationStatus&$top=2`);
    assert.deepEqual(
      expanded.body.map((v) => (v as { properties: { architecture: string } }).properties.architecture),
      ['x64', 'x64'],
    );
  });

  it('gets a version as Azure shapes it, and latest as the highest', async () => {
    const version = await compute.virtualMachineImages.get('westus', 'kiln', 'busybox', 'minimal-gen2', '1.0.0');
    assert.equal(version.name, '1.0.0');
    assert.equal(version.location, 'westus');
    assert.deepEqual(version.osDiskImage, { operatingSystem: 'Linux' });
    assert.deepEqual(version.dataDiskImages, []);
    assert.equal(version.hyperVGeneration, 'V2');
    assert.equal(version.architecture, 'x64');
    assert.deepEqual(version.automaticOSUpgradeProperties, { automaticOSUpgradeSupported: false });
    assert.equal(version.imageDeprecationStatus?.imageState, 'Active');
    const latest = await compute.virtualMachineImages.get('westus', 'Kiln', 'busybox', 'minimal', 'latest');
    assert.equal(latest.name, '1.10.0');
    assert.equal(latest.hyperVGeneration, 'V1');
    // The size Azure gives beside the OS, which the SDK's model leaves out: the fixed VHD's bytes, its GB.
    const raw = await get(`${new URL(latest.id!, kiln.url).pathname}?api-version=2022-11-01`);
    const osDisk = (raw.body.properties as { osDiskImage: { sizeInBytes: number; sizeInGb: number } }).osDiskImage;
    assert.equal(osDisk.sizeInBytes, 32 * 1024 * 1024 + 512);
    assert.equal(osDisk.sizeInGb, 1);
  });

  it("answers Azure's 404s for what the catalog lacks and NoRegisteredProviderFound for unknown locations", async () => {
    const images = compute.virtualMachineImages;
    await assert.rejects(
      images.listOffers('westus', 'nobody'),
      armRefusal(404, 'NotFound', /Publisher: nobody was not found/),
    );
    const artifact = /Artifact: VMImage was not found/;
    await assert.rejects(images.listSkus('westus', 'kiln', 'nothing'), armRefusal(404, 'NotFound', artifact));
    await assert.rejects(images.list('westus', 'kiln', 'busybox', 'none'), armRefusal(404, 'NotFound', artifact));
    await assert.rejects(
      images.get('westus', 'kiln', 'busybox', 'minimal', '9.9.9'),
      armRefusal(404, 'NotFound', artifact),
    );
    await assert.rejects(
      images.listPublishers('atlantis'),
      armRefusal(400, 'NoRegisteredProviderFound', /location 'atlantis'.*supported locations are '.*westus/),
    );
    const versions = `/subscriptions/${sub}/providers/Microsoft.Compute/locations/westus/publishers/kiln/artifacttypes/vmimage/offers/busybox/skus/minimal/versions?api-version=2024-07-01`;
    for (const [query, target] of [
      ['$top=-1', '$top'],
      ['$orderby=publishedDate', '$orderby'],
      ['$expand=everything', '$expand'],
    ]) {
      const refused = await get(`${versions}&${query}`);
      assert.equal(refused.status, 400, query);
      assert.equal((refused.body.error as { target: string }).target, target);
    }
  });

  it('lets a Reader of the subscription read the catalog: the action is derived from the path', async () => {
    const reader = await principalCredential(kiln, 'catalog reader', 'Reader', `/subscriptions/${sub}`);
    const readerCompute = new ComputeManagementClient(reader, sub, { endpoint: kiln.url });
    const versions = await readerCompute.virtualMachineImages.list('westus', 'kiln', 'busybox', 'minimal');
    assert.equal(versions.length, 3);
    const group = `/subscriptions/${sub}/resourceGroups/elsewhere`;
    await new ResourceManagementClient(kiln.credential, sub, { endpoint: kiln.url }).resourceGroups.createOrUpdate(
      'elsewhere',
      { location: 'westus' },
    );
    const outsider = await principalCredential(kiln, 'group reader', 'Reader', group);
    await assert.rejects(
      new ComputeManagementClient(outsider, sub, { endpoint: kiln.url }).virtualMachineImages.listPublishers('westus'),
      armRefusal(403, 'AuthorizationFailed', /Microsoft\.Compute\/locations\/publishers\/read/),
    );
  });
});
