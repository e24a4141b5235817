// Growing a disk's VHD (domain/disks/grown-vhd.ts) in a folder store, which keeps blobs as chunks: the
// grown blob reads as the old data, zeros and the new footer, and making it reads no more of the old
// blob than the chunk its data ends in, whatever the sizes; a store without chunk lists copies.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createFsBlobStore } from '../../src/adapters/fs-blob-store.ts';
import { CHUNK_SIZE } from '../../src/core/content-id.ts';
import { VHD_FOOTER_SIZE, parseVhdFooter } from '../../src/core/vhd.ts';
import { readAll } from '../../src/domain/disks/disk-source.ts';
import { growVhd } from '../../src/domain/disks/grown-vhd.ts';
import type { BlobStore } from '../../src/ports/blob-store.ts';
import { MIB, makeVhd } from '../support/disk-data.ts';

const GIB = 1024 * MIB;

/** `store`, counting the bytes read from `key`, and optionally hiding its chunk lists (a store of whole blobs). */
function watched(store: BlobStore, key: string, options: { chunks: boolean }) {
  const counter = { bytes: 0 };
  const read: BlobStore['read'] = (name, range) => {
    if (name === key) counter.bytes += range ? range.end - range.start + 1 : Infinity;
    return store.read(name, range);
  };
  const chunks: BlobStore['chunks'] = async (name) => (options.chunks ? store.chunks(name) : undefined);
  return { store: Object.assign(Object.create(store) as BlobStore, { read, chunks }), counter };
}

describe('growVhd', () => {
  let dir: string;
  let store: BlobStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-grown-vhd-'));
    store = createFsBlobStore('westus', dir);
    await store.open();
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function expectGrown(key: string, data: Buffer, toData: number) {
    const info = await store.stat(key);
    assert.equal(info?.size, toData + VHD_FOOTER_SIZE);
    assert.ok((await readAll(store.read(key, { start: 0, end: data.length - 1 }))).equals(data));
    const end = await readAll(store.read(key, { start: toData - MIB, end: toData + VHD_FOOTER_SIZE - 1 }));
    assert.ok(end.subarray(0, MIB).equals(Buffer.alloc(MIB)), 'zeros before the footer');
    const footer = parseVhdFooter(end.subarray(MIB));
    assert.ok(footer.ok && footer.footer.currentSize === toData);
  }

  for (const mib of [20, 22]) {
    it(`reuses the old chunks of a ${mib} MiB disk grown to 32,767 GiB, reading at most the chunk its data ends in`, async () => {
      const vhd = makeVhd(mib, `grow-${mib}`);
      const from = `disks/${mib}/old.vhd`;
      await store.put(from, vhd);
      const { store: seen, counter } = watched(store, from, { chunks: true });
      const toData = 32767 * GIB;
      await growVhd(seen, from, mib * MIB, `disks/${mib}/grown.vhd`, toData);
      assert.equal(counter.bytes, (mib * MIB) % CHUNK_SIZE);
      await expectGrown(`disks/${mib}/grown.vhd`, vhd.subarray(0, mib * MIB), toData);
      // No part blob is left behind, and a rerun finds the grown blob made.
      assert.deepEqual(
        (await store.list(`disks/${mib}/`)).map((b) => b.key).sort(),
        [from, `disks/${mib}/grown.vhd`].sort(),
      );
      const again = await growVhd(seen, from, mib * MIB, `disks/${mib}/grown.vhd`, toData);
      assert.equal(again.size, toData + VHD_FOOTER_SIZE);
    });
  }

  it('copies the old data through a staging blob where the store gives no chunk list', async () => {
    const vhd = makeVhd(6, 'grow-copied');
    await store.put('disks/copied.vhd', vhd);
    const { store: seen, counter } = watched(store, 'disks/copied.vhd', { chunks: false });
    await growVhd(seen, 'disks/copied.vhd', 6 * MIB, 'disks/copied.grown.vhd', GIB);
    assert.equal(counter.bytes, 6 * MIB);
    await expectGrown('disks/copied.grown.vhd', vhd.subarray(0, 6 * MIB), GIB);
  });
});
