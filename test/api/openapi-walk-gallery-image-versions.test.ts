// Issue 18's rule for gallery image versions at api-version 2025-03-03, checked by walking the spec's
// model (test/api/spec-models/GalleryRP-2025-03-03-gallery-image-version.json, read by
// test/support/openapi-walk.ts): every property a client may write comes back from the PUT of a new
// version (answered at once, while it replicates) with the value sent, or is refused with a 4xx
// naming its path. The probes start from a version of a VHD blob; a probe of the version's source
// (storageProfile.source) replaces the blob, one of a disk image's source id or uri the other, and a
// target region, data disk or UEFI key a probe makes is a valid one. DEPARTURES lists what
// Kiln does otherwise today, with why; the test fails on a new departure and on one that is gone.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { armCaller } from '../support/arm-call.ts';
import { makeVhd, putRegionBlob } from '../support/disk-data.ts';
import { linuxDefinition } from '../support/gallery-image.ts';
import { walkModel } from '../support/openapi-walk.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/** Probe (path = value) to why Kiln departs from the rule there. */
const DEPARTURES: Record<string, string> = {
  'properties.restore = false':
    "soft delete's restore flag (work under way on galleries' soft delete): false, no restore, is not kept",
};

describe('gallery image versions: every writable property of the 2025-03-03 model', () => {
  let kiln: TestServer;
  let blob: string;
  let imageId: string;

  before(async () => {
    kiln = await startTestServer();
    const sub = kiln.subscriptionId;
    await new ResourceManagementClient(kiln.credential, sub, { endpoint: kiln.url }).resourceGroups.createOrUpdate(
      'walk',
      { location: 'westus' },
    );
    const compute = new ComputeManagementClient(kiln.credential, sub, { endpoint: kiln.url });
    blob = await putRegionBlob(kiln, 'westus', 'vhds/walk.vhd', makeVhd(4, 'walk-version'));
    imageId = (
      await compute.images.createOrUpdate('walk', 'image', {
        location: 'westus',
        storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri: blob } },
      })
    ).id!;
    await compute.galleries.createOrUpdate('walk', 'shelf', { location: 'westus' });
    await compute.galleryImages.createOrUpdate('walk', 'shelf', 'def', linuxDefinition('westus'));
  });
  after(() => kiln.stop());

  it('stores and returns each property, or refuses it naming its path', async (t) => {
    const model = JSON.parse(
      await readFile(
        join(import.meta.dirname, 'spec-models', 'GalleryRP-2025-03-03-gallery-image-version.json'),
        'utf8',
      ),
    );
    const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const arm = armCaller(kiln, '2025-03-03');
    const definition = `/subscriptions/${kiln.subscriptionId}/resourceGroups/walk/providers/Microsoft.Compute/galleries/shelf/images/def`;
    const result = await walkModel({
      definitions: model.definitions,
      root: 'GalleryImageVersion',
      base: () => ({ location: 'westus', properties: { storageProfile: { osDiskImage: { source: { uri: blob } } } } }),
      strings: (path) => {
        if (path === 'location' || path.endsWith('targetRegions[0].name')) return 'westus';
        if (path === 'properties.storageProfile.source.id') return imageId;
        if (path.endsWith('source.uri')) return blob;
        if (path.endsWith('virtualMachineId'))
          return `/subscriptions/${kiln.subscriptionId}/resourceGroups/walk/providers/Microsoft.Compute/virtualMachines/none`;
        return undefined;
      },
      prepare: (body, path) => {
        const storage = body.properties.storageProfile;
        if (path.startsWith('properties.storageProfile.source.')) delete storage.osDiskImage;
        if (/^properties\.storageProfile\.osDiskImage\.source\.(id|uri)$/.test(path)) storage.osDiskImage.source = {};
        if (path.includes('additionalSignatures.pk.'))
          body.properties.securityProfile = { uefiSettings: { additionalSignatures: { pk: { value: ['AAAA'] } } } };
      },
      newItem: (arrayPath) =>
        arrayPath.endsWith('targetRegions[0]')
          ? { name: 'westus' }
          : arrayPath.endsWith('dataDiskImages[0]')
            ? { lun: 1, source: { uri: blob } }
            : /additionalSignatures\.\w+\[0\]$/.test(arrayPath)
              ? { type: 'sha256', value: ['AAAA'] }
              : {},
      put: (n, body) => arm(token, 'PUT', `${definition}/versions/0.0.${n}`, body),
    });
    t.diagnostic(`${result.leaves} writable properties, ${result.probes} probes`);
    assert.deepEqual(
      Object.keys(result.departures).sort(),
      Object.keys(DEPARTURES).sort(),
      JSON.stringify(result.departures, null, 2),
    );
  });
});
