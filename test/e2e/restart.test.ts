// Durability: a restart loses nothing (SQLite and PostgreSQL), and a server killed with SIGKILL in the
// middle of a long-running disk creation (a cross-region copy) finishes it after it starts again.
import { ComputeManagementClient } from '@azure/arm-compute';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { describe, it } from 'node:test';
import pg from 'pg';
import { makeVhd, sha256, uploadDisk } from '../support/disk-data.ts';
import { clientsFor, dataDirWithTestCa, killKiln, startKilnProcess } from '../support/kiln-process.ts';
import { startTestServer } from '../support/test-server.ts';

const POSTGRES_URL = process.env.KILN_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`restart on ${backend}`, () => {
    it('keeps groups, disks, images and their bytes, and tokens stay valid', async () => {
      const schema = `kiln_restart_${process.pid}_${Date.now()}`;
      const db = backend === 'postgres' ? { db: POSTGRES_URL, dbSchema: schema } : {};
      const first = await startTestServer(db);
      const vhd = makeVhd(20, 'restart');
      try {
        const resources = new ResourceManagementClient(first.credential, first.subscriptionId, { endpoint: first.url });
        const compute = new ComputeManagementClient(first.credential, first.subscriptionId, { endpoint: first.url });
        await resources.resourceGroups.createOrUpdate('durable', { location: 'eastus', tags: { keep: 'yes' } });
        await uploadDisk(compute, 'durable', 'disk', 'eastus', vhd);
        const disk = await compute.disks.get('durable', 'disk');
        await compute.images.createOrUpdate('durable', 'image', {
          location: 'eastus',
          storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', managedDisk: { id: disk.id } } },
        });
        const token = await first.credential.getToken('https://management.azure.com/.default');
        await first.stop({ keepData: true });

        // Same data folder and same URL, as an operator restarts a server.
        const second = await startTestServer({ ...db, dataDir: first.dataDir, port: Number(new URL(first.url).port) });
        try {
          assert.equal(second.subscriptionId, first.subscriptionId);
          const again = new ResourceManagementClient(second.credential, second.subscriptionId, {
            endpoint: second.url,
          });
          const againCompute = new ComputeManagementClient(second.credential, second.subscriptionId, {
            endpoint: second.url,
          });
          assert.deepEqual((await again.resourceGroups.get('durable')).tags, { keep: 'yes' });
          assert.equal((await againCompute.images.get('durable', 'image')).provisioningState, 'Succeeded');
          const read = await againCompute.disks.grantAccess('durable', 'disk', {
            access: 'Read',
            durationInSeconds: 60,
          });
          const bytes = Buffer.from(await (await fetch(read.accessSAS!)).arrayBuffer());
          assert.equal(sha256(bytes), sha256(vhd));
          // The signing key persisted: a token issued before the restart still opens the API.
          const response = await fetch(
            `${second.url}/subscriptions/${second.subscriptionId}/resourcegroups/durable?api-version=2022-09-01`,
            {
              headers: { authorization: `Bearer ${token!.token}` },
            },
          );
          assert.equal(response.status, 200);
        } finally {
          await second.stop();
        }
      } finally {
        if (backend === 'postgres') {
          const client = new pg.Client(POSTGRES_URL);
          await client.connect();
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await client.end();
        }
      }
    });
  });
}

describe('kill -9 during a long-running operation', () => {
  it('finishes the operation after the server starts again', async () => {
    const dataDir = await dataDirWithTestCa('kiln-kill-');
    let server = await startKilnProcess(dataDir);
    const port = server.port;
    try {
      const { url, credential, subscriptionId } = await clientsFor(dataDir, server.url);
      const resources = new ResourceManagementClient(credential, subscriptionId, { endpoint: url });
      await resources.resourceGroups.createOrUpdate('crash', { location: 'westus' });
      // An 8 GiB empty disk is made at once (its chunks are zeros); copied to another region, its
      // 8 GiB stream through and are checked there, long enough to be killed in the middle.
      const compute = new ComputeManagementClient(credential, subscriptionId, { endpoint: url });
      const source = await compute.disks.beginCreateOrUpdateAndWait(
        'crash',
        'source',
        { location: 'westus', diskSizeGB: 8, creationData: { createOption: 'Empty' } },
        { updateIntervalInMs: 50 },
      );
      const token = (await credential.getToken('https://management.azure.com/.default'))!.token;
      const diskUrl = `${url}/subscriptions/${subscriptionId}/resourceGroups/crash/providers/Microsoft.Compute/disks/big?api-version=2025-01-02`;
      const created = await fetch(diskUrl, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          location: 'eastus',
          properties: { creationData: { createOption: 'Copy', sourceResourceId: source.id } },
        }),
      });
      assert.equal(created.status, 202);
      await killKiln(server);

      server = await startKilnProcess(dataDir, port);
      const before = await compute.disks.get('crash', 'big');
      assert.equal(before.provisioningState, 'Creating', 'the kill left the disk mid-creation');
      let disk = before;
      for (let i = 0; i < 600 && disk.provisioningState === 'Creating'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        disk = await compute.disks.get('crash', 'big');
      }
      assert.equal(disk.provisioningState, 'Succeeded');
      assert.equal(disk.diskSizeBytes, 8 * 1024 ** 3);
    } finally {
      await killKiln(server);
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
