// The folder store's chunk deltas on disk: a chunk kept as the blocks where it differs from its
// base (or from zeros) costs those blocks, reads back whole from any range, keeps its base while it
// needs it, survives a reopen, crosses to a region holding its base as a delta, and is written out
// to a file whole.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createFsBlobStore } from '../../src/adapters/fs-blob-store.ts';
import { CHUNK_SIZE } from '../../src/core/content-id.ts';
import { assertSameBytes, readAll } from './blob-store.contract.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kiln-fs-delta-'));
  dirs.push(dir);
  return dir;
}
after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

const chunkNames = async (dir: string) => (await readdir(path.join(dir, 'chunks'))).sort();
const deltaNames = async (dir: string) => (await chunkNames(dir)).filter((name) => name.includes('-'));

/** A two-chunk source and a build of it that changes 3 blocks of the first chunk and 2 of the second. */
function sourceAndBuilt() {
  const source = randomBytes(2 * CHUNK_SIZE);
  const built = Buffer.from(source);
  randomBytes(3 * 4096).copy(built, 40 * 4096);
  randomBytes(2 * 4096).copy(built, CHUNK_SIZE + 100 * 4096 + 100);
  return { source, built };
}

describe('fs blob store: chunks kept as deltas', () => {
  it('keeps a changed chunk as its changed blocks, which read back whole and from any range', async () => {
    const dir = await tempDir();
    const store = createFsBlobStore('a', dir);
    const { source, built } = sourceAndBuilt();
    await store.put('source.vhd', source);
    const like = (await store.chunks('source.vhd'))!;
    await store.put('built.vhd', built, { like });

    const deltas = await deltaNames(dir);
    assert.equal(deltas.length, 2, `chunk files: ${await chunkNames(dir)}`);
    for (const name of deltas) {
      const { size } = await stat(path.join(dir, 'chunks', name));
      // 3 blocks (or 3, the second change straddling a block boundary) and a header, not 4 MiB.
      assert.ok(size <= 3 * 4096 + 64, `${name} is ${size} bytes`);
      assert.ok(
        like.some((run) => run.sha === name.split('-')[1]),
        'its base is the source chunk at its place',
      );
    }
    assertSameBytes(await readAll(store.read('built.vhd')), built);
    for (const [start, end] of [
      [40 * 4096 - 10, 43 * 4096 + 10],
      [41 * 4096 + 7, 41 * 4096 + 7],
      [CHUNK_SIZE - 5, CHUNK_SIZE + 100 * 4096 + 200],
      [0, 10],
    ])
      assertSameBytes(await readAll(store.read('built.vhd', { start, end })), built.subarray(start, end + 1));
    await store.close();
  });

  it('keeps a base while a delta needs it, drops it with the last, and finds both again when reopened', async () => {
    const dir = await tempDir();
    let store = createFsBlobStore('a', dir);
    const { source, built } = sourceAndBuilt();
    await store.put('source.vhd', source);
    await store.put('built.vhd', built, { like: (await store.chunks('source.vhd'))! });
    await store.delete('source.vhd');
    assert.equal((await chunkNames(dir)).length, 4, 'two deltas and their two bases');
    await store.close();

    store = createFsBlobStore('a', dir);
    assertSameBytes(await readAll(store.read('built.vhd')), built, 'after a reopen');
    assert.equal((await chunkNames(dir)).length, 4, 'the reopening swept no base');
    await store.delete('built.vhd');
    assert.deepEqual(await chunkNames(dir), [], 'the bases go with the last delta');
    await store.close();
  });

  it('keeps a small write into an empty disk as its blocks over zeros', async () => {
    const dir = await tempDir();
    const store = createFsBlobStore('a', dir);
    await store.createStaging('disk.vhd', 8 * CHUNK_SIZE);
    const sector = randomBytes(4096);
    await store.writeStaging('disk.vhd', 3 * CHUNK_SIZE + 8192, sector);
    const [name] = await chunkNames(dir);
    assert.match(name, /^[0-9a-f]{64}-0$/);
    assert.ok((await stat(path.join(dir, 'chunks', name))).size < 4096 + 64);
    await store.seal('disk.vhd');
    const expected = Buffer.alloc(8 * CHUNK_SIZE);
    sector.copy(expected, 3 * CHUNK_SIZE + 8192);
    assertSameBytes(await readAll(store.read('disk.vhd')), expected);
    await store.close();
  });

  it('copies a delta to a region holding its base as a delta, and whole to one that lacks it', async () => {
    const [fromDir, withBaseDir, bareDir] = [await tempDir(), await tempDir(), await tempDir()];
    const [from, withBase, bare] = [
      createFsBlobStore('a', fromDir),
      createFsBlobStore('b', withBaseDir),
      createFsBlobStore('c', bareDir),
    ];
    const { source, built } = sourceAndBuilt();
    await from.put('source.vhd', source);
    await from.put('built.vhd', built, { like: (await from.chunks('source.vhd'))! });
    await withBase.copyFrom!(from, 'source.vhd', 'source.vhd');

    await withBase.copyFrom!(from, 'built.vhd', 'built.vhd');
    assert.deepEqual(await deltaNames(withBaseDir), await deltaNames(fromDir), 'the same deltas over the same bases');
    assertSameBytes(await readAll(withBase.read('built.vhd')), built);

    await bare.copyFrom!(from, 'built.vhd', 'built.vhd');
    assert.deepEqual(await deltaNames(bareDir), [], 'whole chunks where the base is missing');
    assertSameBytes(await readAll(bare.read('built.vhd')), built);
    await Promise.all([from.close(), withBase.close(), bare.close()]);
  });

  it('copies a chunk to a region lacking its base as a delta over what that region holds at its place (like)', async () => {
    const [fromDir, toDir] = [await tempDir(), await tempDir()];
    const [from, to] = [createFsBlobStore('a', fromDir), createFsBlobStore('b', toDir)];
    const { source, built } = sourceAndBuilt();
    // The target region holds an earlier build, not the source: the second build's chunks are like the earlier's.
    const earlier = Buffer.from(source);
    randomBytes(3 * 4096).copy(earlier, 40 * 4096);
    await from.put('source.vhd', source);
    const like = (await from.chunks('source.vhd'))!;
    await from.put('earlier.vhd', earlier, { like });
    await from.put('built.vhd', built, { like });
    await to.copyFrom!(from, 'earlier.vhd', 'earlier.vhd');
    const earlierRuns = (await to.chunks('earlier.vhd'))!;

    await to.copyFrom!(from, 'built.vhd', 'built.vhd', { like: earlierRuns });
    const deltas = await deltaNames(toDir);
    assert.equal(deltas.length, 2, `chunk files: ${await chunkNames(toDir)}`);
    assert.ok(
      deltas.every((name) => earlierRuns.some((run) => run.sha === name.split('-')[1])),
      "each over the earlier build's chunk at its place",
    );
    assertSameBytes(await readAll(to.read('built.vhd')), built);
    await Promise.all([from.close(), to.close()]);
  });

  it('writes a blob of deltas out to a file whole', async () => {
    const dir = await tempDir();
    const store = createFsBlobStore('a', dir);
    const { source, built } = sourceAndBuilt();
    const withZeros = Buffer.concat([built, Buffer.alloc(CHUNK_SIZE)]);
    randomBytes(4096).copy(withZeros, 2 * CHUNK_SIZE + 4096 * 9);
    await store.put('source.vhd', Buffer.concat([source, Buffer.alloc(CHUNK_SIZE)]));
    await store.put('built.vhd', withZeros, { like: (await store.chunks('source.vhd'))! });
    assert.equal((await deltaNames(dir)).length, 3, 'two over source chunks, one over zeros');
    const out = path.join(dir, 'out.vhd');
    await store.writeToFile!('built.vhd', out, withZeros.length);
    assertSameBytes(await readFile(out), withZeros);
    await store.close();
  });

  it('fails the read of a damaged delta instead of answering other bytes, and its copy keeps nothing', async () => {
    const [dir, otherDir] = [await tempDir(), await tempDir()];
    const [store, other] = [createFsBlobStore('a', dir), createFsBlobStore('b', otherDir)];
    const { source, built } = sourceAndBuilt();
    await store.put('source.vhd', source);
    await other.copyFrom!(store, 'source.vhd', 'source.vhd');
    await store.put('built.vhd', built, { like: (await store.chunks('source.vhd'))! });
    const [name] = await deltaNames(dir);
    const file = await open(path.join(dir, 'chunks', name), 'r+');
    await file.write(Buffer.from('rot'), 0, 3, 200);
    await file.truncate((await file.stat()).size - 1);
    await file.close();
    await assert.rejects(readAll(store.read('built.vhd')), /chunk delta .* is damaged/);
    await assert.rejects(other.copyFrom!(store, 'built.vhd', 'built.vhd'), /damaged|not kept/);
    assert.deepEqual(await deltaNames(otherDir), [], 'no delta kept');
    assert.deepEqual(await readdir(path.join(otherDir, '.tmp')), [], 'no temp file left');
    await Promise.all([store.close(), other.close()]);
  });
});
