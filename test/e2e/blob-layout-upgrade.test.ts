// A data folder whose region store an earlier Kiln wrote (users' blobs and Kiln's own side by side)
// keeps working: at start its user blobs move into the user namespace under the same URLs, a build's
// VHD output stays downloadable at its artifactUri, Kiln's own blobs stay where their records say and
// out of reach, a half-done move is finished, and a store already moved is never touched again.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createFsBlobStore } from '../../src/adapters/fs-blob-store.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

async function withRegionFolder(dataDir: string, fill: (store: ReturnType<typeof createFsBlobStore>) => Promise<void>) {
  const store = createFsBlobStore('westus', join(dataDir, 'regions', 'westus'));
  await store.open();
  await fill(store);
  await store.close();
}

describe('blob layout upgrade', () => {
  it("moves an earlier store's user blobs into the user namespace once, keeping every URL", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kiln-layout-'));
    await withRegionFolder(dataDir, async (store) => {
      await store.put('vhds/old.vhd', Buffer.from('user vhd'));
      await store.put('scripts/setup.sh', Buffer.from('echo hi'));
      // A move that died between its copy and its delete.
      await store.put('$user/scripts/setup.sh', Buffer.from('echo hi'));
      await store.put('disks/0b1c.vhd', Buffer.from('disk bytes'));
      await store.put('imagetemplates/run-1/web.vhd', Buffer.from('built vhd'));
      await store.put('imagetemplates/run-1/customization.log', Buffer.from('log'));
    });

    let kiln: TestServer | undefined = await startTestServer({ dataDir });
    try {
      const token = (await kiln.credential.getToken('https://storage.azure.com/.default'))!.token;
      const get = async (name: string) => {
        const response = await fetch(`${kiln!.url}/blob/westus/${name}`, {
          headers: { authorization: `Bearer ${token}`, 'x-ms-version': '2023-11-03' },
        });
        return { status: response.status, text: await response.text() };
      };
      assert.deepEqual(await get('vhds/old.vhd'), { status: 200, text: 'user vhd' });
      assert.deepEqual(await get('scripts/setup.sh'), { status: 200, text: 'echo hi' });
      assert.deepEqual(await get('imagetemplates/run-1/web.vhd'), { status: 200, text: 'built vhd' });
      assert.equal((await get('disks/0b1c.vhd')).status, 404);
      assert.equal((await get('imagetemplates/run-1/customization.log')).status, 404);
      const store = kiln.server.kiln.domain.regions.get('westus')!;
      // Kiln's own blobs stay where their records name them; user blobs left the shared layout.
      assert.equal((await store.stat('disks/0b1c.vhd'))?.size, 'disk bytes'.length);
      assert.equal((await store.stat('imagetemplates/run-1/web.vhd'))?.size, 'built vhd'.length);
      assert.equal(await store.stat('vhds/old.vhd'), undefined);
      assert.equal(await store.stat('scripts/setup.sh'), undefined);

      // Once moved, a store is not sorted again: a key Kiln writes later stays Kiln's.
      await kiln.stop({ keepData: true });
      kiln = undefined;
      await withRegionFolder(dataDir, (regionStore) =>
        regionStore.put('later-internal/x', Buffer.from('internal')).then(() => undefined),
      );
      kiln = await startTestServer({ dataDir });
      const after = kiln.server.kiln.domain.regions.get('westus')!;
      assert.equal((await after.stat('later-internal/x'))?.size, 'internal'.length);
      assert.equal(await after.stat('$user/later-internal/x'), undefined);
    } finally {
      await kiln?.stop();
    }
  });
});
