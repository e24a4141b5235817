// Azure Compute Gallery through the official @azure/arm-compute client: galleries, image
// definitions, image versions with real chunked replication between region stores, latest, quotas.
import { ComputeManagementClient, type GalleryImageVersion } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { manifestOf } from '../../src/domain/replication/chunk-manifest.ts';
import { verifyReplica } from '../../src/domain/replication/chunk-store.ts';
import type { GalleryImageVersionRecord } from '../../src/domain/gallery-image-versions/gallery-image-version.ts';
import { MIB, makeVhd, putRegionBlob } from '../support/disk-data.ts';
import { armRefusal } from '../support/arm-refusal.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { linuxDefinition } from '../support/gallery-image.ts';

describe('Compute Gallery with @azure/arm-compute', () => {
  let kiln: TestServer;
  let compute: ComputeManagementClient;
  let imageId: string;
  const rg = 'gallery-rg';

  before(async () => {
    kiln = await startTestServer();
    compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    await new ResourceManagementClient(kiln.credential, kiln.subscriptionId, {
      endpoint: kiln.url,
    }).resourceGroups.createOrUpdate(rg, { location: 'westus' });
    const blobUri = await putRegionBlob(kiln, 'westus', 'vhds/base.vhd', makeVhd(24, 'gallery-base'));
    const image = await compute.images.createOrUpdate(rg, 'base', {
      location: 'westus',
      storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
    });
    imageId = image.id!;
  });
  after(() => kiln.stop());

  const versionRecord = async (definition: string, version: string) =>
    (await kiln.server.kiln.store.get<GalleryImageVersionRecord['data']>(
      `/subscriptions/${kiln.subscriptionId}/resourcegroups/${rg}/providers/microsoft.compute/galleries/shelf/images/${definition}/versions/${version}`.toLowerCase(),
    ))!;

  it('creates, reads, updates the description of and lists a gallery', async () => {
    const gallery = await compute.galleries.createOrUpdate(rg, 'shelf', {
      location: 'westus',
      description: 'golden images',
    });
    assert.equal(gallery.provisioningState, 'Succeeded');
    assert.equal(gallery.identifier?.uniqueName, `${kiln.subscriptionId}-SHELF`);
    const updated = await compute.galleries.update(rg, 'shelf', { description: 'golden images, tested' });
    assert.equal(updated.description, 'golden images, tested');
    const listed = [];
    for await (const g of compute.galleries.list()) listed.push(g.name);
    assert.deepEqual(listed, ['shelf']);
    await assert.rejects(
      compute.galleries.createOrUpdate(rg, 'bad.', { location: 'westus' }),
      armRefusal(400, 'InvalidGalleryName'),
    );
  });

  it('creates image definitions with unique identifiers and refuses frozen changes', async () => {
    const definition = await compute.galleryImages.createOrUpdate(rg, 'shelf', 'debian', {
      location: 'westus',
      osType: 'Linux',
      osState: 'Generalized',
      hyperVGeneration: 'V2',
      identifier: { publisher: 'kiln', offer: 'debian', sku: '12' },
      recommended: { vCPUs: { min: 1, max: 8 } },
      description: 'Debian 12',
    });
    assert.equal(definition.provisioningState, 'Succeeded');
    assert.equal(definition.architecture, 'x64');
    await compute.galleryImages.createOrUpdate(rg, 'shelf', 'windows', {
      location: 'westus',
      osType: 'Windows',
      osState: 'Generalized',
      identifier: { publisher: 'kiln', offer: 'windows', sku: '2022' },
    });
    await assert.rejects(
      compute.galleryImages.createOrUpdate(rg, 'shelf', 'debian-again', {
        location: 'westus',
        osType: 'Linux',
        osState: 'Generalized',
        identifier: { publisher: 'kiln', offer: 'debian', sku: '12' },
      }),
      armRefusal(409, 'Conflict', /publisher 'kiln', offer 'debian', sku '12'/),
    );
    const patched = await compute.galleryImages.update(rg, 'shelf', 'debian', {
      description: 'Debian 12 (bookworm)',
      recommended: { memory: { min: 1024, max: 8192 } },
    });
    assert.equal(patched.description, 'Debian 12 (bookworm)');
    assert.equal(patched.recommended?.memory?.max, 8192);
    await assert.rejects(
      compute.galleryImages.update(rg, 'shelf', 'debian', { osType: 'Windows' }),
      armRefusal(400, 'PropertyChangeNotAllowed', /osType/),
    );
  });

  it('replicates a version to three regions with replica counts, every chunk verified', async () => {
    const version = await compute.galleryImageVersions.createOrUpdate(rg, 'shelf', 'debian', '1.0.0', {
      location: 'westus',
      publishingProfile: {
        targetRegions: [
          { name: 'westus', regionalReplicaCount: 2 },
          { name: 'East US', regionalReplicaCount: 1 },
          { name: 'westus2', regionalReplicaCount: 3, storageAccountType: 'Standard_ZRS' },
        ],
      },
      storageProfile: { source: { id: imageId } },
    });
    assert.equal(version.provisioningState, 'Succeeded');
    assert.equal(version.storageProfile?.osDiskImage?.sizeInGB, 1);
    // Each region by its display name, as Azure answers, whichever form the request gave.
    assert.deepEqual(
      version.publishingProfile?.targetRegions?.map((t) => [t.name, t.regionalReplicaCount]),
      [
        ['West US', 2],
        ['East US', 1],
        ['West US 2', 3],
      ],
    );
    const expanded = await compute.galleryImageVersions.get(rg, 'shelf', 'debian', '1.0.0', {
      expand: 'ReplicationStatus',
    });
    assert.equal(expanded.replicationStatus?.aggregatedState, 'Completed');
    assert.deepEqual(
      expanded.replicationStatus?.summary?.map((s) => [s.region, s.state, s.progress]),
      [
        ['West US', 'Completed', 100],
        ['East US', 'Completed', 100],
        ['West US 2', 'Completed', 100],
      ],
    );
    const record = await versionRecord('debian', '1.0.0');
    for (const [region, replicas] of [
      ['westus', 2],
      ['eastus', 1],
      ['westus2', 3],
    ] as const) {
      const store = kiln.server.kiln.domain.regions.get(region)!;
      for (let replica = 1; replica <= 3; replica++) {
        const missing = await verifyReplica(store, replica, manifestOf(record.data.internal.disks[0].manifest!));
        if (replica <= replicas) assert.deepEqual(missing, [], `${region} replica ${replica} complete`);
        else assert.ok(missing.length > 0, `${region} has no replica ${replica}`);
      }
    }
  });

  it('refuses bad versions, naming the field', async () => {
    const body = (extra: Partial<GalleryImageVersion> = {}): GalleryImageVersion => ({
      location: 'westus',
      storageProfile: { source: { id: imageId } },
      ...extra,
    });
    await assert.rejects(
      compute.galleryImageVersions.createOrUpdate(rg, 'shelf', 'debian', '1.0', body()),
      armRefusal(400, 'InvalidParameter', /Major\.Minor\.Patch/),
    );
    await assert.rejects(
      compute.galleryImageVersions.createOrUpdate(rg, 'shelf', 'debian', '1.0.4294967296', body()),
      armRefusal(400, 'InvalidParameter', /32-bit/),
    );
    await assert.rejects(
      compute.galleryImageVersions.createOrUpdate(
        rg,
        'shelf',
        'debian',
        '1.0.1',
        body({ publishingProfile: { targetRegions: [{ name: 'eastus' }] } }),
      ),
      armRefusal(400, 'InvalidParameter', /must include the image version's own region 'westus'/),
    );
    await assert.rejects(
      compute.galleryImageVersions.createOrUpdate(rg, 'shelf', 'windows', '1.0.0', body()),
      armRefusal(400, 'InvalidParameter', /OS type 'Linux' does not match/),
    );
    await assert.rejects(
      compute.galleryImageVersions.createOrUpdate(
        rg,
        'shelf',
        'debian',
        '1.0.0',
        body({ storageProfile: { osDiskImage: { source: { uri: 'https://elsewhere/x.vhd' } } } }),
      ),
      armRefusal(409, 'PropertyChangeNotAllowed', /storageProfile/),
    );
  });

  it('accepts a PATCH that sends the storage profile back unchanged or empty, refuses one that changes it', async () => {
    const shown = await compute.galleryImageVersions.get(rg, 'shelf', 'debian', '1.0.0');
    const tagged = await compute.galleryImageVersions.update(rg, 'shelf', 'debian', '1.0.0', {
      storageProfile: shown.storageProfile,
      tags: { stage: 'tested' },
    });
    assert.deepEqual(tagged.tags, { stage: 'tested' });
    assert.deepEqual(tagged.storageProfile?.source, shown.storageProfile?.source);
    const untagged = await compute.galleryImageVersions.update(rg, 'shelf', 'debian', '1.0.0', {
      storageProfile: {},
      tags: {},
    });
    assert.deepEqual(untagged.tags ?? {}, {});
    await assert.rejects(
      compute.galleryImageVersions.update(rg, 'shelf', 'debian', '1.0.0', {
        storageProfile: { osDiskImage: { source: { uri: 'https://elsewhere/x.vhd' } } },
      }),
      armRefusal(409, 'PropertyChangeNotAllowed', /storageProfile/),
    );
  });

  it('keeps a PATCHed safety profile: replicated regions cannot be removed until deletion is allowed again', async () => {
    const guarded = await compute.galleryImageVersions.update(rg, 'shelf', 'debian', '1.0.0', {
      safetyProfile: { allowDeletionOfReplicatedLocations: false },
    });
    assert.equal(guarded.safetyProfile?.allowDeletionOfReplicatedLocations, false);
    const read = await compute.galleryImageVersions.get(rg, 'shelf', 'debian', '1.0.0');
    assert.equal(read.safetyProfile?.allowDeletionOfReplicatedLocations, false);
    const regions = read.publishingProfile?.targetRegions ?? [];
    assert.ok(regions.length > 1, 'the version has a region to remove');
    await assert.rejects(
      compute.galleryImageVersions.update(rg, 'shelf', 'debian', '1.0.0', {
        publishingProfile: { targetRegions: regions.slice(0, 1) },
      }),
      armRefusal(409, 'OperationNotAllowed', /allowDeletionOfReplicatedLocations' is false/),
    );
    // The same regions by their names (`westus2` for `West US 2`) remove none.
    const renamed = await compute.galleryImageVersions.update(rg, 'shelf', 'debian', '1.0.0', {
      publishingProfile: {
        targetRegions: regions.map((r) => ({ ...r, name: r.name.replace(/\s/g, '').toLowerCase() })),
      },
    });
    assert.deepEqual(renamed.publishingProfile?.targetRegions, regions);
    const allowed = await compute.galleryImageVersions.update(rg, 'shelf', 'debian', '1.0.0', {
      safetyProfile: { allowDeletionOfReplicatedLocations: true },
    });
    assert.equal(allowed.safetyProfile?.allowDeletionOfReplicatedLocations, true);
    assert.deepEqual(allowed.publishingProfile?.targetRegions, regions, 'nothing else changed');
  });

  it('adds a region (replicating it) and removes one (deleting its replicas)', async () => {
    // The record is put back as versions stored before runs held it, one chunk hash per chunk:
    // replication reads it and writes it back as runs.
    const stored = await versionRecord('debian', '1.0.0');
    const { runs, ...rest } = manifestOf(stored.data.internal.disks[0].manifest!);
    const chunks = runs.flatMap((run) => Array<string>(run.count).fill(run.sha));
    stored.data.internal.disks[0].manifest = { ...rest, chunks };
    await kiln.server.kiln.store.apply([{ op: 'put', record: stored }]);
    const updated = await compute.galleryImageVersions.update(rg, 'shelf', 'debian', '1.0.0', {
      publishingProfile: {
        targetRegions: [
          { name: 'westus', regionalReplicaCount: 2 },
          { name: 'westus2', regionalReplicaCount: 1 },
          { name: 'westcentralus', regionalReplicaCount: 1 },
        ],
      },
    });
    assert.equal(updated.provisioningState, 'Succeeded');
    const status = await compute.galleryImageVersions.get(rg, 'shelf', 'debian', '1.0.0', {
      expand: 'ReplicationStatus',
    });
    const westcentral = status.replicationStatus?.summary?.find((s) => s.region === 'West Central US');
    assert.equal(westcentral?.state, 'Completed');
    const manifest = (await versionRecord('debian', '1.0.0')).data.internal.disks[0].manifest!;
    assert.deepEqual(manifest, { ...rest, runs }, 'the record holds runs again');
    assert.deepEqual(
      await verifyReplica(kiln.server.kiln.domain.regions.get('westcentralus')!, 1, { ...rest, runs }),
      [],
    );
    await waitFor(
      async () => (await kiln.server.kiln.domain.regions.get('eastus')!.list('replicas/')).length === 0,
      'eastus replicas collected',
    );
    await waitFor(
      async () => (await kiln.server.kiln.domain.regions.get('westus2')!.list('replicas/2/')).length === 0,
      'westus2 replicas 2 and 3 collected',
    );
  });

  it('moves only the chunks a region lacks: a second version of the same bytes moves nothing', async () => {
    await compute.galleryImageVersions.createOrUpdate(rg, 'shelf', 'debian', '1.1.0', {
      location: 'westus',
      publishingProfile: { targetRegions: [{ name: 'westus' }, { name: 'westcentralus' }], excludeFromLatest: true },
      storageProfile: { source: { id: imageId } },
    });
    const status = await compute.galleryImageVersions.get(rg, 'shelf', 'debian', '1.1.0', {
      expand: 'ReplicationStatus',
    });
    const westcentral = status.replicationStatus?.summary?.find((s) => s.region === 'West Central US');
    assert.match(westcentral!.details!, /; 0 of \d+ bytes moved/);
  });

  it('resolves latest to the highest version not excluded from latest', async () => {
    await compute.galleryImages.createOrUpdate(rg, 'shelf', 'derived', {
      location: 'westus',
      osType: 'Linux',
      osState: 'Generalized',
      identifier: { publisher: 'kiln', offer: 'derived', sku: '1' },
    });
    const latest = `/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/galleries/shelf/images/debian/versions/latest`;
    const derived = await compute.galleryImageVersions.createOrUpdate(rg, 'shelf', 'derived', '1.0.0', {
      location: 'westus',
      storageProfile: { source: { id: latest } },
    });
    assert.equal(derived.provisioningState, 'Succeeded');
    const source = await versionRecord('debian', '1.0.0');
    assert.equal(
      (await versionRecord('derived', '1.0.0')).data.internal.disks[0].manifest!.sha256,
      source.data.internal.disks[0].manifest!.sha256,
    );
    // 1.1.0 is higher but excluded from latest; exclude 1.0.0 too and nothing is left.
    await compute.galleryImageVersions.update(rg, 'shelf', 'debian', '1.0.0', {
      publishingProfile: { excludeFromLatest: true },
    });
    await assert.rejects(
      compute.galleryImageVersions.createOrUpdate(rg, 'shelf', 'derived', '2.0.0', {
        location: 'westus',
        storageProfile: { source: { id: latest } },
      }),
      armRefusal(404, 'NotFound', /latest/),
    );
  });

  it('makes a version from an OS snapshot and a data disk at a LUN, and keeps the data disk at most 1 TB', async () => {
    const osBlob = await putRegionBlob(kiln, 'westus', 'vhds/os2.vhd', makeVhd(20, 'os-disk-source'));
    const dataBlob = await putRegionBlob(kiln, 'westus', 'vhds/data2.vhd', makeVhd(21, 'data-disk-source'));
    const os = await compute.snapshots.createOrUpdate(rg, 'os-snap', {
      location: 'westus',
      osType: 'Linux',
      creationData: { createOption: 'Import', sourceUri: osBlob },
    });
    const data = await compute.disks.createOrUpdate(rg, 'data-disk', {
      location: 'westus',
      creationData: { createOption: 'Import', sourceUri: dataBlob },
    });
    const version = await compute.galleryImageVersions.createOrUpdate(rg, 'shelf', 'debian', '3.0.0', {
      location: 'westus',
      publishingProfile: { targetRegions: [{ name: 'westus' }, { name: 'eastus' }] },
      storageProfile: { osDiskImage: { source: { id: os.id } }, dataDiskImages: [{ lun: 1, source: { id: data.id } }] },
    });
    assert.equal(version.provisioningState, 'Succeeded');
    assert.deepEqual(
      version.storageProfile?.dataDiskImages?.map((d) => [d.lun, d.sizeInGB]),
      [[1, 1]],
    );
    const record = await versionRecord('debian', '3.0.0');
    assert.deepEqual(
      record.data.internal.disks.map((d) => d.lun),
      ['os', 1],
    );
    for (const disk of record.data.internal.disks)
      assert.deepEqual(
        await verifyReplica(kiln.server.kiln.domain.regions.get('eastus')!, 1, manifestOf(disk.manifest!)),
        [],
      );

    // A data disk over 1 TB is refused: the disk record claims 1.5 TB (no need to store that much).
    const big = await kiln.server.kiln.store.get<{ resource: { properties: { diskSizeBytes: number } } }>(
      `${data.id}`.toLowerCase(),
    );
    big!.data.resource.properties.diskSizeBytes = 1.5 * 1024 ** 4;
    await kiln.server.kiln.store.apply([{ op: 'put', record: big! }]);
    await assert.rejects(
      compute.galleryImageVersions.createOrUpdate(rg, 'shelf', 'debian', '3.0.1', {
        location: 'westus',
        storageProfile: {
          osDiskImage: { source: { id: os.id } },
          dataDiskImages: [{ lun: 1, source: { id: data.id } }],
        },
      }),
      armRefusal(400, 'InvalidParameter', /at most 1 TB/),
    );
    await compute.galleryImageVersions.delete(rg, 'shelf', 'debian', '3.0.0');
  });

  it('makes a version from an Empty 32,767 GiB disk at once, its manifest two runs', async () => {
    const disk = await compute.disks.createOrUpdate(rg, 'huge-empty', {
      location: 'westus',
      diskSizeGB: 32767,
      creationData: { createOption: 'Empty' },
    });
    const started = Date.now();
    const version = await compute.galleryImageVersions.createOrUpdate(rg, 'shelf', 'debian', '5.0.0', {
      location: 'westus',
      publishingProfile: { targetRegions: [{ name: 'westus' }, { name: 'eastus' }], excludeFromLatest: true },
      storageProfile: { osDiskImage: { source: { id: disk.id } } },
    });
    assert.equal(version.provisioningState, 'Succeeded');
    assert.equal(version.storageProfile?.osDiskImage?.sizeInGB, 32767);
    assert.ok(Date.now() - started < 10_000, `replicated in ${Date.now() - started} ms`);
    const manifest = manifestOf((await versionRecord('debian', '5.0.0')).data.internal.disks[0].manifest!);
    assert.equal(manifest.runs.length, 2);
    assert.equal(manifest.runs[0].count, 8_388_352);
    assert.deepEqual(await verifyReplica(kiln.server.kiln.domain.regions.get('eastus')!, 1, manifest), []);
    await compute.galleryImageVersions.delete(rg, 'shelf', 'debian', '5.0.0');
    await compute.disks.beginDeleteAndWait(rg, 'huge-empty');
  });

  it('keeps replicated regions when allowDeletionOfReplicatedLocations is false', async () => {
    await compute.galleryImageVersions.createOrUpdate(rg, 'shelf', 'debian', '4.0.0', {
      location: 'westus',
      publishingProfile: { targetRegions: [{ name: 'westus' }, { name: 'eastus' }], excludeFromLatest: true },
      safetyProfile: { allowDeletionOfReplicatedLocations: false },
      storageProfile: { source: { id: imageId } },
    });
    await assert.rejects(
      compute.galleryImageVersions.update(rg, 'shelf', 'debian', '4.0.0', {
        publishingProfile: { targetRegions: [{ name: 'westus' }] },
      }),
      armRefusal(409, 'OperationNotAllowed', /allowDeletionOfReplicatedLocations/),
    );
    await compute.galleryImageVersions.delete(rg, 'shelf', 'debian', '4.0.0');
  });

  it('leaves out of latest a version whose own region is excluded there', async () => {
    await compute.galleryImageVersions.createOrUpdate(rg, 'shelf', 'debian', '9.0.0', {
      location: 'westus',
      publishingProfile: { targetRegions: [{ name: 'westus', excludeFromLatest: true }, { name: 'eastus' }] },
      storageProfile: { source: { id: imageId } },
    });
    const latest = `/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Compute/galleries/shelf/images/debian/versions/latest`;
    // 9.0.0 is the highest, but excluded in westus, where the new version lives: everything else is excluded too.
    await assert.rejects(
      compute.galleryImageVersions.createOrUpdate(rg, 'shelf', 'derived', '3.0.0', {
        location: 'westus',
        storageProfile: { source: { id: latest } },
      }),
      armRefusal(404, 'NotFound', /in region 'westus'/),
    );
    await compute.galleryImageVersions.delete(rg, 'shelf', 'debian', '9.0.0');
  });

  it('refuses to delete a definition with versions or a gallery with definitions, then deletes and collects chunks', async () => {
    await assert.rejects(compute.galleryImages.delete(rg, 'shelf', 'derived'), armRefusal(409, 'CannotDeleteResource'));
    await assert.rejects(compute.galleries.delete(rg, 'shelf'), armRefusal(409, 'CannotDeleteResource'));
    for (const [definition, version] of [
      ['derived', '1.0.0'],
      ['debian', '1.1.0'],
      ['debian', '1.0.0'],
    ])
      await compute.galleryImageVersions.delete(rg, 'shelf', definition, version);
    for (const definition of ['derived', 'debian', 'windows'])
      await compute.galleryImages.delete(rg, 'shelf', definition);
    await compute.galleries.delete(rg, 'shelf');
    for (const region of ['westus', 'westus2', 'westcentralus']) {
      await waitFor(
        async () => (await kiln.server.kiln.domain.regions.get(region)!.list('replicas/')).length === 0,
        `${region} chunks collected`,
      );
    }
  });
});

describe('gallery quotas and the one-replicating-version-per-image rule', () => {
  let kiln: TestServer;
  let compute: ComputeManagementClient;

  before(async () => {
    kiln = await startTestServer({
      config: { quotas: { galleries: 1, galleryImages: 1, galleryImageVersions: 2 } },
      lroWaitMs: 0,
    });
    compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    await new ResourceManagementClient(kiln.credential, kiln.subscriptionId, {
      endpoint: kiln.url,
    }).resourceGroups.createOrUpdate('q', { location: 'eastus' });
  });
  after(() => kiln.stop());

  it('refuses the create past each quota with QuotaExceeded', async () => {
    await compute.galleries.createOrUpdate('q', 'one', { location: 'eastus' });
    await assert.rejects(
      compute.galleries.createOrUpdate('q', 'two', { location: 'eastus' }),
      armRefusal(409, 'QuotaExceeded', /galleries/),
    );
    await compute.galleries.createOrUpdate('q', 'elsewhere', { location: 'westus' });
    await compute.galleryImages.createOrUpdate('q', 'one', 'a', linuxDefinition('eastus', 'a'));
    await assert.rejects(
      compute.galleryImages.createOrUpdate('q', 'one', 'b', linuxDefinition('eastus', 'b')),
      armRefusal(409, 'QuotaExceeded', /galleryImages/),
    );
  });

  it('refuses a second version from a managed image whose first version still replicates, and watches progress move', async () => {
    const blobUri = await putRegionBlob(kiln, 'eastus', 'vhds/big.vhd', makeVhd(256, 'big'));
    const image = await compute.images.createOrUpdate('q', 'big', {
      location: 'eastus',
      storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
    });
    const poller = compute.galleryImageVersions.createOrUpdate('q', 'one', 'a', '1.0.0', {
      location: 'eastus',
      publishingProfile: {
        targetRegions: [{ name: 'eastus' }, { name: 'westus', regionalReplicaCount: 2 }, { name: 'southcentralus' }],
      },
      storageProfile: { source: { id: image.id } },
    });
    await poller.submitted();
    await assert.rejects(
      compute.galleryImageVersions.createOrUpdate('q', 'one', 'a', '1.0.1', {
        location: 'eastus',
        storageProfile: { source: { id: image.id } },
      }),
      armRefusal(409, 'OperationNotAllowed', /still replicating/),
    );
    const seen = new Set<string>();
    for (;;) {
      const version = await compute.galleryImageVersions.get('q', 'one', 'a', '1.0.0', { expand: 'ReplicationStatus' });
      for (const s of version.replicationStatus?.summary ?? []) seen.add(`${s.state}:${s.progress}`);
      if (version.provisioningState !== 'Creating') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await poller;
    const partial = [...seen].filter((s) => s.startsWith('Replicating:') && !s.endsWith(':0') && !s.endsWith(':100'));
    assert.ok(partial.length > 0, `progress moved between 0 and 100: ${[...seen].join(' ')}`);
    const final = await compute.galleryImageVersions.get('q', 'one', 'a', '1.0.0', { expand: 'ReplicationStatus' });
    assert.equal(final.replicationStatus?.aggregatedState, 'Completed');
    assert.equal(final.storageProfile?.osDiskImage?.sizeInGB, Math.ceil((256 * MIB) / 1024 ** 3));

    // Once the first has replicated, the same image may feed another version; the third passes the quota of 2.
    await compute.galleryImageVersions.createOrUpdate('q', 'one', 'a', '1.0.1', {
      location: 'eastus',
      storageProfile: { source: { id: image.id } },
    });
    await assert.rejects(
      compute.galleryImageVersions.createOrUpdate('q', 'one', 'a', '1.0.2', {
        location: 'eastus',
        storageProfile: { source: { id: image.id } },
      }),
      armRefusal(409, 'QuotaExceeded', /galleryImageVersions/),
    );
  });
});

describe("a polled version's result", () => {
  let kiln: TestServer;
  let compute: ComputeManagementClient;
  let imageId: string;

  before(async () => {
    // Every write answers before it is done, so clients poll and read the operation's result.
    kiln = await startTestServer({ lroWaitMs: 0 });
    compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
    await new ResourceManagementClient(kiln.credential, kiln.subscriptionId, {
      endpoint: kiln.url,
    }).resourceGroups.createOrUpdate('polled', { location: 'westus' });
    const blobUri = await putRegionBlob(kiln, 'westus', 'vhds/polled.vhd', makeVhd(8, 'polled'));
    imageId = (
      await compute.images.createOrUpdate('polled', 'base', {
        location: 'westus',
        storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
      })
    ).id!;
    await compute.galleries.createOrUpdate('polled', 'shelf', { location: 'westus' });
    await compute.galleryImages.createOrUpdate('polled', 'shelf', 'a', linuxDefinition('westus', 'a'));
  });
  after(() => kiln.stop());

  it('names target regions by display name, as GET does, through the SDK and the operation result URL', async () => {
    const made = await compute.galleryImageVersions.createOrUpdate('polled', 'shelf', 'a', '1.0.0', {
      location: 'westus',
      publishingProfile: { targetRegions: [{ name: 'westus' }, { name: 'eastus2', regionalReplicaCount: 2 }] },
      storageProfile: { source: { id: imageId } },
    });
    assert.deepEqual(
      made.publishingProfile?.targetRegions?.map((t) => t.name),
      ['West US', 'East US 2'],
    );

    // The operation result (the Location header) a poller reads at the end, read as it is.
    const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const path = `/subscriptions/${kiln.subscriptionId}/resourceGroups/polled/providers/Microsoft.Compute/galleries/shelf/images/a/versions/1.0.1`;
    const put = await fetch(`${kiln.url}${path}?api-version=2024-03-03`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({
        location: 'westus',
        properties: {
          publishingProfile: { targetRegions: [{ name: 'West US' }, { name: 'westus2' }] },
          storageProfile: { source: { id: imageId } },
        },
      }),
    });
    assert.equal(put.status, 201);
    const resultUrl = put.headers.get('location')!;
    assert.match(resultUrl, /\/operationResults\//);
    let result: Response;
    for (;;) {
      result = await fetch(resultUrl, { headers });
      if (result.status !== 202) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(result.status, 200);
    const polled = await result.json();
    const read = await (await fetch(`${kiln.url}${path}?api-version=2024-03-03`, { headers })).json();
    const names = (v: { properties: { publishingProfile: { targetRegions: { name: string }[] } } }) =>
      v.properties.publishingProfile.targetRegions.map((t) => t.name);
    assert.deepEqual(names(polled), ['West US', 'West US 2']);
    assert.deepEqual(names(polled), names(read));
    // In the api-version's shape too: 2024-03-03's model has no safetyProfile.blockDeletionBeforeEndOfLife.
    assert.deepEqual(polled, read);
  });
});

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`timed out waiting for: ${what}`);
}
