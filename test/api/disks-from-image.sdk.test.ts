// Managed disks made `FromImage` through @azure/arm-compute: from a platform image of the catalog, a
// managed image and a gallery image version; their bytes are the image's (a manifest copy in the
// image's region), a larger size grows them, and bad references are refused at their JSON paths.
import { ComputeManagementClient, type Disk } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import { BlobClient } from '@azure/storage-blob';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DISK_TYPE_FIXED, parseVhdFooter } from '../../src/core/vhd.ts';
import type { PlatformImage } from '../../src/domain/platform-images/catalog.ts';
import type { BlobStore } from '../../src/ports/blob-store.ts';
import { armRefusal } from '../support/arm-refusal.ts';
import { MIB, downloadDisk, sha256 } from '../support/disk-data.ts';
import { linuxDefinition } from '../support/gallery-image.ts';
import { importBusyboxImage } from '../support/platform-image.ts';
import { principalCredential, startTestServer, type TestServer } from '../support/test-server.ts';

const GIB = 1024 * MIB;

describe('disks FromImage with @azure/arm-compute', () => {
  let kiln: TestServer;
  let compute: ComputeManagementClient;
  let sub: string;
  let image: PlatformImage;
  let imageVhd: Buffer;
  const rg = 'from-image';

  const platformId = (version: string, sku = 'minimal') =>
    `/Subscriptions/${sub}/Providers/Microsoft.Compute/Locations/eastus/Publishers/Kiln/ArtifactTypes/VMImage/Offers/busybox/Skus/${sku}/Versions/${version}`;
  const store = (region: string): BlobStore => kiln.server.kiln.domain.regions.get(region)!;
  const fromImage = (location: string, creation: Record<string, unknown>, more: Partial<Disk> = {}): Disk => ({
    location,
    creationData: { createOption: 'FromImage', ...creation },
    ...more,
  });
  const diskBytes = (name: string) => downloadDisk(compute, rg, name);
  /** Runs `make`, recording every blob a region's store reads or puts meanwhile. */
  const bytesMoved = async <T>(region: string, make: () => Promise<T>) => {
    const watched = store(region);
    const { read, put } = watched;
    const moved: string[] = [];
    watched.read = (key, range) => (moved.push(`read ${key}`), read(key, range));
    watched.put = (key, content, options) => (moved.push(`put ${key}`), put(key, content, options));
    try {
      return { made: await make(), moved };
    } finally {
      Object.assign(watched, { read, put });
    }
  };
  /** A PUT of a disk body with the admin's token, for the error's target the SDK does not show. */
  const putDisk = async (name: string, body: Record<string, unknown>) => {
    const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const response = await fetch(
      `${kiln.url}/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/disks/${name}?api-version=2025-01-02`,
      {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      },
    );
    return { status: response.status, error: ((await response.json()) as { error?: Record<string, string> }).error };
  };

  before(async () => {
    kiln = await startTestServer();
    sub = kiln.subscriptionId;
    compute = new ComputeManagementClient(kiln.credential, sub, { endpoint: kiln.url });
    await new ResourceManagementClient(kiln.credential, sub, { endpoint: kiln.url }).resourceGroups.createOrUpdate(rg, {
      location: 'eastus',
    });
    image = await importBusyboxImage(kiln, { publisher: 'Kiln', offer: 'busybox', sku: 'minimal', version: '1.0.0' });
    assert.equal(image.blob.region, 'eastus', "the catalog's bytes sit in the first region");
    const chunks: Buffer[] = [];
    for await (const chunk of store('eastus').read(image.blob.key)) chunks.push(chunk as Buffer);
    imageVhd = Buffer.concat(chunks);
  });
  after(() => kiln.stop());

  it("makes a disk of a platform image's bytes: a manifest copy in its region, a copy across regions", async () => {
    const { made: disk, moved } = await bytesMoved('eastus', () =>
      compute.disks.createOrUpdate(rg, 'pir', fromImage('eastus', { imageReference: { id: platformId('latest') } })),
    );
    assert.deepEqual(moved, [], 'the disk shares the image content without reading or writing it');
    assert.equal(disk.provisioningState, 'Succeeded');
    assert.equal(disk.osType, 'Linux');
    assert.equal(disk.hyperVGeneration, 'V1');
    assert.equal(disk.diskSizeBytes, 32 * MIB);
    assert.equal(disk.diskSizeGB, 1);
    assert.equal(disk.creationData?.imageReference?.id, platformId('latest'), 'as given');
    assert.equal(sha256(await diskBytes('pir')), sha256(imageVhd));

    const west = await compute.disks.createOrUpdate(
      rg,
      'pir-west',
      fromImage('westus', { imageReference: { id: platformId('1.0.0') } }),
    );
    assert.equal(west.location, 'westus');
    assert.equal(sha256(await diskBytes('pir-west')), sha256(imageVhd));
  });

  it('grows a disk to a larger diskSizeGB with zeros and a footer of its size; refuses one smaller than the image', async () => {
    const disk = await compute.disks.createOrUpdate(
      rg,
      'grown',
      fromImage('eastus', { imageReference: { id: platformId('1.0.0') } }, { diskSizeGB: 1 }),
    );
    assert.equal(disk.diskSizeBytes, GIB);
    const access = await compute.disks.grantAccess(rg, 'grown', { access: 'Read', durationInSeconds: 600 });
    const blob = new BlobClient(access.accessSAS!);
    assert.equal((await blob.getProperties()).contentLength, GIB + 512);
    const data = imageVhd.subarray(0, imageVhd.length - 512);
    assert.ok((await blob.downloadToBuffer(0, data.length)).equals(data), "the image's data comes first");
    assert.ok((await blob.downloadToBuffer(GIB / 2, MIB)).equals(Buffer.alloc(MIB)), 'zeros follow');
    const footer = parseVhdFooter(await blob.downloadToBuffer(GIB, 512));
    assert.ok(footer.ok && footer.footer.diskType === DISK_TYPE_FIXED && footer.footer.currentSize === GIB);
    await compute.disks.revokeAccess(rg, 'grown');

    await importBusyboxImage(kiln, { publisher: 'Kiln', offer: 'busybox', sku: 'large', version: '1.0.0' }, 1100);
    await assert.rejects(
      compute.disks.createOrUpdate(
        rg,
        'too-small',
        fromImage('eastus', { imageReference: { id: platformId('1.0.0', 'large') } }, { diskSizeGB: 1 }),
      ),
      armRefusal(409, 'OperationNotAllowed', /disk size 1 GB is smaller than .* in the VM image: 2 GB/),
    );
    const refused = await putDisk('too-small', {
      location: 'eastus',
      properties: {
        diskSizeGB: 1,
        creationData: { createOption: 'FromImage', imageReference: { id: platformId('1.0.0', 'large') } },
      },
    });
    assert.equal(refused.error?.target, 'properties.diskSizeGB');
  });

  it('makes disks from a managed image of their region (Kiln extension) and from a gallery version', async () => {
    const pir = await compute.disks.get(rg, 'pir');
    const managed = await compute.images.createOrUpdate(rg, 'busybox', {
      location: 'eastus',
      storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', managedDisk: { id: pir.id } } },
    });
    const fromManaged = await compute.disks.createOrUpdate(
      rg,
      'from-managed',
      fromImage('eastus', { imageReference: { id: managed.id } }),
    );
    assert.equal(fromManaged.osType, 'Linux');
    assert.equal(sha256(await diskBytes('from-managed')), sha256(imageVhd));
    await assert.rejects(
      compute.disks.createOrUpdate(rg, 'managed-west', fromImage('westus', { imageReference: { id: managed.id } })),
      armRefusal(404, 'NotFound', /cannot be found in 'westus' region/),
    );

    await compute.galleries.createOrUpdate(rg, 'shelf', { location: 'eastus' });
    const definition = await compute.galleryImages.createOrUpdate(rg, 'shelf', 'busybox', {
      ...linuxDefinition('eastus'),
      hyperVGeneration: 'V2',
    });
    const version = await compute.galleryImageVersions.createOrUpdate(rg, 'shelf', 'busybox', '1.0.0', {
      location: 'eastus',
      publishingProfile: { targetRegions: [{ name: 'eastus' }] },
      storageProfile: { source: { id: managed.id } },
    });
    assert.equal(version.provisioningState, 'Succeeded');
    const { made: fromVersion, moved } = await bytesMoved('eastus', () =>
      compute.disks.createOrUpdate(
        rg,
        'from-version',
        fromImage('eastus', { galleryImageReference: { id: version.id } }),
      ),
    );
    assert.deepEqual(moved, [], "the disk is assembled of the region's chunks without reading or writing them");
    assert.equal(fromVersion.hyperVGeneration, 'V2', "the definition's generation");
    assert.equal(fromVersion.creationData?.galleryImageReference?.id, version.id);
    assert.equal(sha256(await diskBytes('from-version')), sha256(imageVhd));
    // `latest`, and a version named in imageReference as Azure's disk API also takes it.
    const latest = await compute.disks.createOrUpdate(
      rg,
      'from-latest',
      fromImage('eastus', { imageReference: { id: `${definition.id}/versions/latest` } }),
    );
    assert.equal(latest.provisioningState, 'Succeeded');
    assert.equal(sha256(await diskBytes('from-latest')), sha256(imageVhd));

    await assert.rejects(
      compute.disks.createOrUpdate(
        rg,
        'version-west',
        fromImage('westus', { galleryImageReference: { id: version.id } }),
      ),
      armRefusal(404, 'GalleryImageNotFound', /is not available in westus region/),
    );
    const definitionOnly = await putDisk('definition', {
      location: 'eastus',
      properties: { creationData: { createOption: 'FromImage', galleryImageReference: { id: definition.id } } },
    });
    assert.equal(definitionOnly.status, 400);
    assert.equal(definitionOnly.error?.target, 'properties.creationData.galleryImageReference.id');
    assert.match(definitionOnly.error!.message, /names the image definition/);
  });

  it('refuses missing, malformed and unknown references with their JSON paths', async () => {
    const creation = (more: Record<string, unknown>) => ({ createOption: 'FromImage', ...more });
    const body = (creationData: Record<string, unknown>, properties: Record<string, unknown> = {}) => ({
      location: 'eastus',
      properties: { creationData, ...properties },
    });
    const cases: Array<[string, Record<string, unknown>, number, string, string]> = [
      ['no image', body(creation({})), 400, 'InvalidParameter', 'properties.creationData.imageReference'],
      [
        'two images',
        body(creation({ imageReference: { id: platformId('1.0.0') }, galleryImageReference: { id: 'x' } })),
        400,
        'InvalidParameter',
        'properties.creationData.imageReference',
      ],
      [
        'an image for Empty',
        body({ createOption: 'Empty', imageReference: { id: platformId('1.0.0') } }, { diskSizeGB: 1 }),
        400,
        'InvalidParameter',
        'properties.creationData.imageReference',
      ],
      [
        'not an id',
        body(creation({ imageReference: { id: 'debian-12' } })),
        400,
        'LinkedInvalidPropertyId',
        'properties.creationData.imageReference.id',
      ],
      [
        'no such version',
        body(creation({ imageReference: { id: platformId('9.9.9') } })),
        404,
        'PlatformImageNotFound',
        'properties.creationData.imageReference.id',
      ],
      [
        'no such data disk',
        body(creation({ imageReference: { id: platformId('1.0.0'), lun: 0 } })),
        400,
        'InvalidParameter',
        'properties.creationData.imageReference.lun',
      ],
      [
        'a shared gallery',
        body(
          creation({ galleryImageReference: { sharedGalleryImageId: '/SharedGalleries/x/Images/y/Versions/1.0.0' } }),
        ),
        400,
        'InvalidParameter',
        'properties.creationData.galleryImageReference.sharedGalleryImageId',
      ],
      [
        'another generation',
        body(creation({ imageReference: { id: platformId('1.0.0') } }), { hyperVGeneration: 'V2' }),
        400,
        'InvalidParameter',
        'properties.hyperVGeneration',
      ],
    ];
    for (const [name, request, status, code, target] of cases) {
      const refused = await putDisk(`bad-${name.replaceAll(' ', '-')}`, request);
      assert.equal(refused.status, status, `${name}: ${JSON.stringify(refused.error)}`);
      assert.equal(refused.error?.code, code, name);
      assert.equal(refused.error?.target, target, name);
    }
  });

  it('takes no access to a platform image, but read on a gallery version it names', async () => {
    const resources = new ResourceManagementClient(kiln.credential, sub, { endpoint: kiln.url });
    await resources.resourceGroups.createOrUpdate('team', { location: 'eastus' });
    const contributor = await principalCredential(
      kiln,
      'team disks',
      'Contributor',
      `/subscriptions/${sub}/resourceGroups/team`,
    );
    const team = new ComputeManagementClient(contributor, sub, { endpoint: kiln.url });
    const disk = await team.disks.createOrUpdate(
      'team',
      'pir',
      fromImage('eastus', { imageReference: { id: platformId('latest') } }),
    );
    assert.equal(disk.provisioningState, 'Succeeded');
    const version = await compute.galleryImageVersions.get(rg, 'shelf', 'busybox', '1.0.0');
    await assert.rejects(
      team.disks.createOrUpdate('team', 'theirs', fromImage('eastus', { galleryImageReference: { id: version.id } })),
      armRefusal(403, 'LinkedAuthorizationFailed', /galleries\/images\/versions\/read/),
    );
  });
});
