// A gallery image version's safetyProfile.blockDeletionBeforeEndOfLife and publishingProfile.replicationMode
// through @azure/arm-compute: both stored and returned; the first refuses a DELETE before the end of life,
// the second keeps a Shallow version in its own region and cannot change.
import { ComputeManagementClient, type GalleryImageVersion } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { armRefusal, fieldRefusals } from '../support/arm-refusal.ts';
import { makeVhd, putRegionBlob } from '../support/disk-data.ts';
import { linuxDefinition } from '../support/gallery-image.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe('gallery image version safety and replication mode', () => {
  let kiln: TestServer;
  let compute: ComputeManagementClient;
  let blobUri: string;
  const rg = 'safety-rg';
  const { policy, refusedAt } = fieldRefusals();

  before(async () => {
    kiln = await startTestServer();
    compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, {
      endpoint: kiln.url,
      additionalPolicies: [{ policy, position: 'perCall' }],
    });
    await new ResourceManagementClient(kiln.credential, kiln.subscriptionId, {
      endpoint: kiln.url,
    }).resourceGroups.createOrUpdate(rg, { location: 'westus' });
    blobUri = await putRegionBlob(kiln, 'westus', 'vhds/safety.vhd', makeVhd(4, 'safety'));
    await compute.galleries.createOrUpdate(rg, 'gal', { location: 'westus' });
    await compute.galleryImages.createOrUpdate(rg, 'gal', 'def', linuxDefinition('westus'));
  });
  after(() => kiln.stop());

  const version = (extra: Partial<GalleryImageVersion> = {}): GalleryImageVersion => ({
    location: 'westus',
    storageProfile: { osDiskImage: { source: { uri: blobUri } } },
    ...extra,
  });

  it('blocks the DELETE of a version before its end of life, and not once the flag is cleared', async () => {
    const endOfLifeDate = new Date(Date.now() + 86_400_000);
    const made = await compute.galleryImageVersions.createOrUpdate(
      rg,
      'gal',
      'def',
      '1.0.0',
      version({
        publishingProfile: { endOfLifeDate },
        safetyProfile: { blockDeletionBeforeEndOfLife: true },
      }),
    );
    assert.equal(made.safetyProfile?.blockDeletionBeforeEndOfLife, true);
    assert.equal(made.safetyProfile?.allowDeletionOfReplicatedLocations, true, 'the other flag keeps its default');
    await assert.rejects(
      compute.galleryImageVersions.delete(rg, 'gal', 'def', '1.0.0'),
      armRefusal(409, 'OperationNotAllowed', /end of life/),
    );
    const cleared = await compute.galleryImageVersions.update(rg, 'gal', 'def', '1.0.0', {
      safetyProfile: { blockDeletionBeforeEndOfLife: false },
    });
    assert.equal(cleared.safetyProfile?.blockDeletionBeforeEndOfLife, false);
    await compute.galleryImageVersions.delete(rg, 'gal', 'def', '1.0.0');
  });

  it('blocks the DELETE of a version with no end of life while the flag is set', async () => {
    await compute.galleryImageVersions.createOrUpdate(
      rg,
      'gal',
      'def',
      '1.0.1',
      version({ safetyProfile: { blockDeletionBeforeEndOfLife: true } }),
    );
    await assert.rejects(
      compute.galleryImageVersions.delete(rg, 'gal', 'def', '1.0.1'),
      armRefusal(409, 'OperationNotAllowed', /no end of life/),
    );
  });

  it('keeps a Shallow version in its own region, refuses changing its mode, and names a bad flag', async () => {
    const shallow = await compute.galleryImageVersions.createOrUpdate(
      rg,
      'gal',
      'def',
      '2.0.0',
      version({ publishingProfile: { replicationMode: 'Shallow', targetRegions: [{ name: 'westus' }] } }),
    );
    assert.equal(shallow.publishingProfile?.replicationMode, 'Shallow');
    const read = await compute.galleryImageVersions.get(rg, 'gal', 'def', '2.0.0');
    assert.equal(read.publishingProfile?.replicationMode, 'Shallow');
    await assert.rejects(
      compute.galleryImageVersions.update(rg, 'gal', 'def', '2.0.0', {
        publishingProfile: { targetRegions: [{ name: 'westus' }, { name: 'eastus' }] },
      }),
      refusedAt('properties.publishingProfile.targetRegions[1].name'),
    );
    await assert.rejects(
      compute.galleryImageVersions.update(rg, 'gal', 'def', '2.0.0', {
        publishingProfile: { replicationMode: 'Full' },
      }),
      armRefusal(409, 'PropertyChangeNotAllowed'),
    );
    await assert.rejects(
      compute.galleryImageVersions.createOrUpdate(
        rg,
        'gal',
        'def',
        '2.0.1',
        version({ publishingProfile: { replicationMode: 'Shallow', targetRegions: [{ name: 'eastus' }] } }),
      ),
      refusedAt('properties.publishingProfile.targetRegions[0].name'),
    );
    await assert.rejects(
      compute.galleryImageVersions.createOrUpdate(
        rg,
        'gal',
        'def',
        '2.0.2',
        // @ts-expect-error -- a client that sends a string where Azure wants a boolean
        version({ safetyProfile: { blockDeletionBeforeEndOfLife: 'yes' } }),
      ),
      refusedAt('properties.safetyProfile.blockDeletionBeforeEndOfLife'),
    );
  });
});
