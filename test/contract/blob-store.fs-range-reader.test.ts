// A folder store's range reader (what a build's source read where it is uses): ranges read back as
// `read` gives them, across chunk boundaries and zero chunks, with the blob found once; a range read
// after the blob was replaced or deleted fails instead of mixing two blobs.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { after, describe, it } from 'node:test';
import { createFsBlobStore } from '../../src/adapters/fs-blob-store.ts';
import { CHUNK_SIZE } from '../../src/core/content-id.ts';

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function store() {
  const dir = await mkdtemp(path.join(tmpdir(), 'kiln-fs-range-'));
  dirs.push(dir);
  return createFsBlobStore('test', dir);
}

describe('fs blob store range reader', () => {
  it('reads ranges as read does, across chunks and zero chunks', async () => {
    const blobs = await store();
    // A data chunk, a zero chunk, a data chunk and a short tail.
    const content = Buffer.concat([randomBytes(CHUNK_SIZE), Buffer.alloc(CHUNK_SIZE), randomBytes(CHUNK_SIZE + 1000)]);
    await blobs.put('disk.vhd', content);
    const read = blobs.rangeReader!('disk.vhd');
    for (const [offset, length] of [
      [0, 4096],
      [CHUNK_SIZE - 100, 200],
      [CHUNK_SIZE + 5, 65536],
      [2 * CHUNK_SIZE - 10, 20],
      [CHUNK_SIZE - 1, CHUNK_SIZE + 2],
      [content.length - 1000, 1000],
    ]) {
      const got = await read(offset, length);
      assert.ok(got.equals(content.subarray(offset, offset + length)), `${length} bytes at ${offset}`);
      assert.ok(got.equals(await buffer(blobs.read('disk.vhd', { start: offset, end: offset + length - 1 }))));
    }
    await blobs.close();
  });

  it('fails once the blob it read was replaced or deleted', async () => {
    const blobs = await store();
    await blobs.put('a.vhd', randomBytes(CHUNK_SIZE));
    const read = blobs.rangeReader!('a.vhd');
    await read(0, 512);
    await blobs.put('a.vhd', randomBytes(CHUNK_SIZE), { overwrite: true });
    await assert.rejects(read(0, 512), /The blob 'a.vhd' was replaced or deleted while it was read/);
    const again = blobs.rangeReader!('a.vhd');
    await again(0, 512);
    await blobs.delete('a.vhd');
    await assert.rejects(again(0, 512), /was replaced or deleted while it was read/);
    await assert.rejects(
      blobs.rangeReader!('a.vhd')(0, 512),
      (error: Error & { code?: string }) =>
        error.code === 'BlobNotFound' || /not found|BlobNotFound/i.test(error.message),
    );
    await blobs.close();
  });
});
