// Soft delete of gallery image versions through the newest @azure/arm-compute (25.x): with the
// gallery's softDeletePolicy on, a deleted version is kept with its chunks, listed by
// softDeletedResource.listByArtifactName, restored by a PATCH with `restore: true` (Azure's
// GalleryImageVersion_Update_RestoreSoftDeleted), and gone for good once its retention has passed.
import { ComputeManagementClient } from '@azure/arm-compute-25';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { manifestOf } from '../../src/domain/replication/chunk-manifest.ts';
import { verifyReplica } from '../../src/domain/replication/chunk-store.ts';
import type { GalleryImageVersionRecord } from '../../src/domain/gallery-image-versions/gallery-image-version.ts';
import type { SoftDeletedVersionRecord } from '../../src/domain/soft-deleted-resources/soft-deleted-version.ts';
import { armCaller } from '../support/arm-call.ts';
import { armRefusal } from '../support/arm-refusal.ts';
import { makeVhd, putRegionBlob } from '../support/disk-data.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe('gallery image version soft delete with @azure/arm-compute 25', () => {
  const rg = 'soft-rg';
  let kiln: TestServer;
  let compute: ComputeManagementClient;
  let imageId: string;
  const fast = { updateIntervalInMs: 50 };
  const key = (path: string) =>
    `/subscriptions/${kiln.subscriptionId}/resourcegroups/${rg}/providers/microsoft.compute/galleries/${path}`.toLowerCase();
  const kept = () =>
    kiln.server.kiln.store.get<SoftDeletedVersionRecord['data']>(
      key('keep/softdeletedartifacttypes/images/artifacts/debian/versions/1.0.0'),
    );
  const softDeleted = async () => {
    const all = [];
    for await (const r of compute.softDeletedResource.listByArtifactName(rg, 'keep', 'Images', 'debian')) all.push(r);
    return all;
  };
  const eastus = () => kiln.server.kiln.domain.regions.get('eastus')!;
  const makeVersion = () =>
    compute.galleryImageVersions.createOrUpdate(
      rg,
      'keep',
      'debian',
      '1.0.0',
      {
        location: 'westus',
        publishingProfile: { targetRegions: [{ name: 'westus' }, { name: 'eastus' }] },
        storageProfile: { source: { id: imageId } },
      },
      fast,
    );

  before(async () => {
    kiln = await startTestServer({ lroWaitMs: 200 });
    compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    await new ResourceManagementClient(kiln.credential, kiln.subscriptionId, {
      endpoint: kiln.url,
    }).resourceGroups.createOrUpdate(rg, { location: 'westus' });
    const blobUri = await putRegionBlob(kiln, 'westus', 'vhds/soft.vhd', makeVhd(6, 'soft-base'));
    imageId = (
      await compute.images.createOrUpdate(rg, 'base', {
        location: 'westus',
        storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
      })
    ).id!;
    await compute.galleries.createOrUpdate(rg, 'keep', {
      location: 'westus',
      softDeletePolicy: { isSoftDeleteEnabled: true },
    });
    await compute.galleryImages.createOrUpdate(rg, 'keep', 'debian', {
      location: 'westus',
      osType: 'Linux',
      osState: 'Generalized',
      identifier: { publisher: 'kiln', offer: 'debian', sku: '13' },
    });
    await makeVersion();
  });
  after(() => kiln.stop());

  it('keeps a deleted version, its chunks with it, and lists it as soft-deleted', async () => {
    const live = (await kiln.server.kiln.store.get<GalleryImageVersionRecord['data']>(
      key('keep/images/debian/versions/1.0.0'),
    ))!;
    const manifest = manifestOf(live.data.internal.disks[0].manifest!);
    await compute.galleryImageVersions.delete(rg, 'keep', 'debian', '1.0.0', fast);
    await assert.rejects(
      compute.galleryImageVersions.get(rg, 'keep', 'debian', '1.0.0'),
      armRefusal(404, 'ResourceNotFound'),
    );
    const [listed, ...more] = await softDeleted();
    assert.deepEqual(more, []);
    assert.equal(listed.name, '1.0.0');
    assert.equal(listed.resourceArmId, live.data.resource.id);
    assert.equal(listed.softDeletedArtifactType, 'Images');
    assert.ok(!Number.isNaN(Date.parse(listed.softDeletedTime!)));
    assert.equal(
      listed.id,
      `/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/galleries/keep/softDeletedArtifactTypes/Images/artifacts/debian/versions/1.0.0`,
    );
    // A collection in eastus now keeps the kept version's chunks.
    await runCollection(kiln, 'eastus');
    assert.deepEqual(await verifyReplica(eastus(), 1, manifest), [], 'every chunk still in eastus');
    // Neither a new version of that name nor the definition's delete while it is kept.
    await assert.rejects(makeVersion(), armRefusal(409, 'Conflict', /restore/));
    await assert.rejects(
      compute.galleryImages.delete(rg, 'keep', 'debian', fast),
      armRefusal(409, 'CannotDeleteResource'),
    );
  });

  it('restores it with a PATCH of restore: true, as it was', async () => {
    const restored = await compute.galleryImageVersions.update(
      rg,
      'keep',
      'debian',
      '1.0.0',
      { restore: true, storageProfile: {} },
      fast,
    );
    assert.equal(restored.provisioningState, 'Succeeded');
    const read = await compute.galleryImageVersions.get(rg, 'keep', 'debian', '1.0.0', { expand: 'ReplicationStatus' });
    assert.equal(read.storageProfile?.source?.id, imageId);
    assert.equal(read.replicationStatus?.aggregatedState, 'Completed');
    assert.deepEqual(await softDeleted(), []);
    // Restoring what is not soft-deleted is refused at the field.
    const call = armCaller(kiln, '2025-12-03');
    const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const version = `/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/galleries/keep/images/debian/versions`;
    const again = await call(token, 'PATCH', `${version}/1.0.0`, { properties: { restore: true } });
    assert.equal(again.status, 400);
    assert.equal(again.body.error.target, 'properties.restore');
    const nothing = await call(token, 'PUT', `${version}/9.9.9`, { location: 'westus', properties: { restore: true } });
    assert.equal(nothing.status, 404);
    assert.equal(nothing.body.error.target, 'properties.restore');
  });

  it('lets it go for good once its retention has passed: not listed, not restorable, its chunks collected', async () => {
    await compute.galleryImageVersions.delete(rg, 'keep', 'debian', '1.0.0', fast);
    assert.equal((await softDeleted()).length, 1);
    // Eight days ago, past Azure's seven.
    const record = (await kept())!;
    record.data.resource.properties.softDeletedTime = new Date(Date.now() - 8 * 86_400_000).toISOString();
    await kiln.server.kiln.store.apply([{ op: 'put', record }]);
    assert.deepEqual(await softDeleted(), []);
    await assert.rejects(
      compute.galleryImageVersions.update(rg, 'keep', 'debian', '1.0.0', { restore: true }, fast),
      armRefusal(404, 'ResourceNotFound'),
    );
    await runCollection(kiln, 'eastus');
    assert.equal(await kept(), undefined, 'the record is gone');
    assert.deepEqual(await eastus().list('replicas/'), [], 'and its chunks');
    // The name is free again, and the definition may go once it is empty.
    await makeVersion();
    await compute.galleries.update(rg, 'keep', { softDeletePolicy: { isSoftDeleteEnabled: false } });
    await compute.galleryImageVersions.delete(rg, 'keep', 'debian', '1.0.0', fast);
    assert.deepEqual(await softDeleted(), [], 'with soft delete off, a delete keeps nothing');
    await compute.galleryImages.delete(rg, 'keep', 'debian', fast);
  });
});

/** Runs a chunk collection of `region` as the job queue does, and waits for it to finish. */
async function runCollection(kiln: TestServer, region: string): Promise<void> {
  const { queue, store } = kiln.server.kiln;
  const [job] = await store.apply([queue.enqueueWrite({ task: 'chunks.gc', payload: { region }, maxAttempts: 3 })]);
  queue.nudge();
  for (let i = 0; i < 200; i++) {
    if (!(await store.get(job.key))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`chunk collection of ${region} did not finish`);
}
