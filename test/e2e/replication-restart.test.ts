// A server killed with SIGKILL in the middle of a gallery version's replication finishes it after a
// restart: every replica of every region verified chunk by chunk, no orphaned chunk or staging blob.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createFsRegionStores } from '../../src/adapters/fs-blob-store.ts';
import { openSqliteMetadataStore } from '../../src/adapters/sqlite-metadata-store.ts';
import { chunkPrefix, distinctChunks, manifestOf } from '../../src/domain/replication/chunk-manifest.ts';
import { verifyReplica } from '../../src/domain/replication/chunk-store.ts';
import type { GalleryImageVersionRecord } from '../../src/domain/gallery-image-versions/gallery-image-version.ts';
import { makeVhd, putRegionBlob } from '../support/disk-data.ts';
import { clientsFor, dataDirWithTestCa, killKiln, startKilnProcess } from '../support/kiln-process.ts';
import { linuxDefinition } from '../support/gallery-image.ts';

describe('kill -9 during replication', () => {
  it('finishes every replica after a restart and leaves nothing orphaned', async () => {
    const dataDir = await dataDirWithTestCa('kiln-repl-kill-');
    let server = await startKilnProcess(dataDir);
    const port = server.port;
    const targets = [
      { name: 'eastus', regionalReplicaCount: 1 },
      { name: 'westus', regionalReplicaCount: 2 },
      { name: 'southcentralus', regionalReplicaCount: 1 },
    ];
    try {
      const { url, credential, subscriptionId } = await clientsFor(dataDir, server.url);
      const compute = new ComputeManagementClient(credential, subscriptionId, { endpoint: url });
      await new ResourceManagementClient(credential, subscriptionId, { endpoint: url }).resourceGroups.createOrUpdate(
        'g',
        { location: 'eastus' },
      );
      // The image lives in westus: replication first copies it across to eastus, the version's region.
      const blobUri = await putRegionBlob(
        { url, credential },
        'westus',
        'vhds/os.vhd',
        makeVhd(384, 'kill-during-replication'),
      );
      const image = await compute.images.createOrUpdate('g', 'img', {
        location: 'westus',
        storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
      });
      await compute.galleries.createOrUpdate('g', 'gal', { location: 'eastus' });
      await compute.galleryImages.createOrUpdate('g', 'gal', 'def', linuxDefinition('eastus'));
      const poller = compute.galleryImageVersions.createOrUpdate('g', 'gal', 'def', '1.0.0', {
        location: 'eastus',
        publishingProfile: { targetRegions: targets },
        storageProfile: { source: { id: image.id } },
      });
      await poller.submitted();
      // Kill once some region has started moving bytes.
      for (let i = 0; ; i++) {
        const version = await compute.galleryImageVersions.get('g', 'gal', 'def', '1.0.0', {
          expand: 'ReplicationStatus',
        });
        if (
          version.replicationStatus?.summary?.some((s) => s.state === 'Replicating' && (s.progress ?? 0) > 0) ||
          i > 2000
        )
          break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await killKiln(server);

      server = await startKilnProcess(dataDir, port);
      let version = await compute.galleryImageVersions.get('g', 'gal', 'def', '1.0.0', { expand: 'ReplicationStatus' });
      assert.equal(version.provisioningState, 'Creating', 'the kill interrupted the replication');
      for (let i = 0; i < 600 && version.provisioningState === 'Creating'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        version = await compute.galleryImageVersions.get('g', 'gal', 'def', '1.0.0', { expand: 'ReplicationStatus' });
      }
      assert.equal(version.provisioningState, 'Succeeded');
      assert.equal(version.replicationStatus?.aggregatedState, 'Completed');
      await killKiln(server);

      // Read the stores as they are on disk.
      const store = await openSqliteMetadataStore(join(dataDir, 'kiln.db'));
      const record = (
        await store.list<GalleryImageVersionRecord['data']>({
          kind: 'microsoft.compute/galleries/images/versions',
          limit: 10,
        })
      )[0];
      await store.close();
      const manifest = manifestOf(record.data.internal.disks[0].manifest!);
      const config = JSON.parse(await readFile(join(dataDir, 'config.json'), 'utf8'));
      const regions = createFsRegionStores(
        config.regions.map((r: { name: string; dir: string }) => ({ name: r.name, dir: join(dataDir, r.dir) })),
      );
      for (const target of targets) {
        const regionStore = regions.get(target.name)!;
        for (let replica = 1; replica <= target.regionalReplicaCount; replica++) {
          assert.deepEqual(
            await verifyReplica(regionStore, replica, manifest),
            [],
            `${target.name} replica ${replica} verified`,
          );
          const stored = (await regionStore.list(chunkPrefix(replica))).map((b) =>
            b.key.slice(chunkPrefix(replica).length),
          );
          assert.deepEqual(
            stored.filter((chunk) => !distinctChunks(manifest).has(chunk)),
            [],
            `no orphaned chunk in ${target.name} replica ${replica}`,
          );
        }
        assert.deepEqual(await regionStore.list(chunkPrefix(target.regionalReplicaCount + 1)), []);
      }
      assert.deepEqual(await regions.get('eastus')!.list('versions/'), [], 'no staging copy left behind');
    } finally {
      await killKiln(server);
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
