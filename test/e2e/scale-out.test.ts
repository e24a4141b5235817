// Scale-out: two `kiln serve` processes, each with its own data folder, on one PostgreSQL database
// (which holds the keys) and one config file (--config) with Azure Blob regions (Azurite) share the
// job queue; a node with a configuration of its own is refused. Every replication finishes, each job
// runs once, never in both at the same time, and both processes take work.
import { ComputeManagementClient } from '@azure/arm-compute';
import { armRefusal } from '../support/arm-refusal.ts';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { createAzureBlobStore } from '../../src/adapters/azure-blob-store.ts';
import { openPostgresMetadataStore } from '../../src/adapters/postgres-metadata-store.ts';
import { manifestOf } from '../../src/domain/replication/chunk-manifest.ts';
import { verifyReplica } from '../../src/domain/replication/chunk-store.ts';
import type { GalleryImageVersionRecord } from '../../src/domain/gallery-image-versions/gallery-image-version.ts';
import { makeVhd, putRegionBlob } from '../support/disk-data.ts';
import { clientsFor, dataDirWithTestCa, startKilnProcess } from '../support/kiln-process.ts';
import { jobEvents, POSTGRES_URL, startNodeCluster } from '../support/node-cluster.ts';
import { linuxDefinition } from '../support/gallery-image.ts';

const REGIONS = ['eastus', 'westus', 'southcentralus'];
const VERSIONS = 6;

describe('two server processes sharing PostgreSQL and Azure Blob regions', () => {
  it('share the replication jobs, none run twice at once, every replica verified', async () => {
    // Each node has its own data folder; they share the database (keys included) and one config file.
    const cluster = await startNodeCluster({ name: 'scale', nodes: 2, regions: REGIONS });
    const { config, schema, database, nodes: servers } = cluster;
    const [dataDir, otherDataDir] = cluster.dataDirs;
    try {
      assert.deepEqual(
        (await readdir(otherDataDir)).filter((name) => ['config.json', 'keys', 'kiln.db'].includes(name)),
        [],
        'the second node keeps no configuration, key or database of its own',
      );
      // A node that missed --config makes a configuration of its own, with another tenant: it stops, naming both.
      await assert.rejects(
        startKilnProcess(await dataDirWithTestCa('kiln-scale-stray-'), 0, database),
        new RegExp(`belongs to tenant ${config.tenantId}: every Kiln on one store must read the same configuration`),
      );
      const { url, credential, subscriptionId } = await clientsFor(dataDir, servers[0].url);
      const compute = new ComputeManagementClient(credential, subscriptionId, { endpoint: url });
      await new ResourceManagementClient(credential, subscriptionId, { endpoint: url }).resourceGroups.createOrUpdate(
        'scale',
        { location: 'eastus' },
      );
      await compute.galleries.createOrUpdate('scale', 'shared', { location: 'eastus' });
      await compute.galleryImages.createOrUpdate('scale', 'shared', 'os', linuxDefinition('eastus'));
      // An Azure Blob region holds disks up to its largest page blob (8 TiB): a bigger one is refused up front.
      await assert.rejects(
        compute.disks.beginCreateOrUpdateAndWait('scale', 'too-big', {
          location: 'eastus',
          diskSizeGB: 9000,
          creationData: { createOption: 'Empty' },
        }),
        armRefusal(400, 'InvalidParameter', /over what region 'eastus' stores, 8191 GiB/),
      );

      // All the work is queued at once, so a busy worker leaves jobs waiting for the other process.
      const uris: string[] = [];
      for (let i = 0; i < VERSIONS; i++)
        uris.push(await putRegionBlob({ url, credential }, 'eastus', `vhds/v${i}.vhd`, makeVhd(48, `scale-${i}`)));
      const versions = await Promise.all(
        uris.map((uri, i) =>
          compute.galleryImageVersions.createOrUpdate('scale', 'shared', 'os', `1.0.${i}`, {
            location: 'eastus',
            publishingProfile: {
              targetRegions: [
                { name: 'eastus' },
                { name: 'westus', regionalReplicaCount: 2 },
                { name: 'southcentralus' },
              ],
            },
            storageProfile: { osDiskImage: { source: { uri } } },
          }),
        ),
      );
      for (const version of versions) assert.equal(version.provisioningState, 'Succeeded');

      const events = servers.flatMap((s, process) => jobEvents(s).map((event) => ({ ...event, process })));
      const replications = events.filter((e) => e.task === 'galleryVersion.replicate');
      const finished = replications.filter((e) => e.event === 'finished');
      assert.equal(new Set(finished.map((e) => e.job)).size, VERSIONS, 'every replication finished');
      assert.equal(finished.length, VERSIONS, 'and each exactly once');
      assert.deepEqual(
        new Set(finished.map((e) => e.process)),
        new Set([0, 1]),
        'both processes took replication work',
      );
      // No job is ever claimed while another worker still holds it.
      for (const job of new Set(events.map((e) => e.job))) {
        let holder: string | undefined;
        for (const event of events.filter((e) => e.job === job).sort((a, b) => a.at.localeCompare(b.at))) {
          if (event.event === 'claimed') {
            assert.equal(holder, undefined, `job ${job} claimed by ${event.worker} while ${holder} held it`);
            holder = event.worker;
          } else holder = undefined;
        }
      }

      const store = await openPostgresMetadataStore(POSTGRES_URL, { schema });
      const records = await store.list<GalleryImageVersionRecord['data']>({
        kind: 'microsoft.compute/galleries/images/versions',
        limit: 100,
      });
      await store.close();
      assert.equal(records.length, VERSIONS);
      const regions = Object.fromEntries(
        config.regions.map((r) => [r.name, createAzureBlobStore(r.name, r.azureBlob!)]),
      );
      for (const version of records) {
        const manifest = manifestOf(version.data.internal.disks[0].manifest!);
        for (const [region, replicas] of [
          ['eastus', 1],
          ['westus', 2],
          ['southcentralus', 1],
        ] as const) {
          for (let replica = 1; replica <= replicas; replica++)
            assert.deepEqual(
              await verifyReplica(regions[region], replica, manifest),
              [],
              `${version.data.resource.name} ${region}/${replica}`,
            );
        }
      }
    } finally {
      await cluster.close();
    }
  });
});
