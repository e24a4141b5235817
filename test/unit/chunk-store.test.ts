import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createFsRegionStores } from '../../src/adapters/fs-blob-store.ts';
import type { BlobStore } from '../../src/ports/blob-store.ts';
import { CHUNK_SIZE, toRuns, zeroChunkSha } from '../../src/core/content-id.ts';
import { contentName } from '../support/disk-data.ts';
import {
  checkManifest,
  chunkKey,
  chunkPrefix,
  distinctChunks,
  manifestOf,
  runHolding,
  runStarts,
  type ChunkManifest,
} from '../../src/domain/replication/chunk-manifest.ts';
import {
  collectGarbage,
  ingest,
  readManifest,
  replicate,
  verifyReplica,
  type ReplicationProgress,
} from '../../src/domain/replication/chunk-store.ts';

/** Small chunks keep the images small while exercising the same code paths as 4 MiB ones. */
const CHUNK = 1024;

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Three fresh regions on disk. */
async function regions(): Promise<{ a: BlobStore; b: BlobStore; c: BlobStore; root: string }> {
  const root = await mkdtemp(path.join(tmpdir(), 'kiln-chunks-'));
  dirs.push(root);
  const stores = createFsRegionStores(
    ['eastus', 'westus', 'northeurope'].map((name) => ({ name, dir: path.join(root, name) })),
  );
  return { a: stores.get('eastus')!, b: stores.get('westus')!, c: stores.get('northeurope')!, root };
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The hash of each `chunkSize` chunk of `data`, in order. */
const chunkHashes = (data: Buffer, chunkSize: number) =>
  Array.from({ length: Math.ceil(data.length / chunkSize) }, (_, i) =>
    sha256(data.subarray(i * chunkSize, (i + 1) * chunkSize)),
  );

/** The hash at every chunk index, as manifests before runs listed them (small images only). */
const chunkList = (manifest: ChunkManifest) => manifest.runs.flatMap((run) => Array<string>(run.count).fill(run.sha));

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** `chunks` random (so distinct) whole chunks, then `tail` more bytes for a short last chunk. */
const image = (chunks: number, tail = 0) => randomBytes(chunks * CHUNK + tail);

/** A copy of `data` with the chunks at `indexes` replaced by random bytes. */
function changeChunks(data: Buffer, indexes: number[]): Buffer {
  const changed = Buffer.from(data);
  for (const index of indexes) randomBytes(Math.min(CHUNK, data.length - index * CHUNK)).copy(changed, index * CHUNK);
  return changed;
}

async function putAndIngest(store: BlobStore, key: string, data: Buffer): Promise<ChunkManifest> {
  await store.put(key, data);
  return ingest(store, key, { chunkSize: CHUNK });
}

const primary = (store: BlobStore) => ({ store, replica: 1 });

async function presentChunks(store: BlobStore, replica: number, manifest: ChunkManifest): Promise<number> {
  return distinctChunks(manifest).size - (await verifyReplica(store, replica, manifest)).length;
}

describe('chunk store', () => {
  it('ingests a blob into chunks that reassemble to it, storing a repeated chunk once', async () => {
    const { a } = await regions();
    const data = image(10, 300);
    data.copy(data, 7 * CHUNK, 2 * CHUNK, 3 * CHUNK);
    const manifest = await putAndIngest(a, 'images/v1.raw', data);

    assert.equal(manifest.size, data.length);
    assert.equal(manifest.sha256, contentName(data));
    assert.equal(manifest.chunkSize, CHUNK);
    const hashes = chunkHashes(data, CHUNK);
    assert.equal(hashes[2], hashes[7]);
    assert.deepEqual(
      manifest.runs,
      hashes.map((sha) => ({ sha, count: 1 })),
    );
    const stored = await a.list(chunkPrefix(1));
    assert.deepEqual(stored.map((blob) => blob.key).sort(), [...new Set(hashes)].map((sha) => chunkKey(1, sha)).sort());

    assert.deepEqual(await readAll(readManifest(a, 1, manifest)), data);
    assert.deepEqual(
      await readAll(readManifest(a, 1, manifest, { start: 1000, end: 3100 })),
      data.subarray(1000, 3101),
    );
    assert.deepEqual(await readAll(readManifest(a, 1, manifest, { start: 0, end: 0 })), data.subarray(0, 1));
    assert.deepEqual(
      await readAll(readManifest(a, 1, manifest, { start: 10 * CHUNK + 5, end: 1e6 })),
      data.subarray(10 * CHUNK + 5),
    );
    assert.throws(() => readManifest(a, 1, manifest, { start: 5, end: 4 }), RangeError);

    // Ingesting again finds every chunk in place and rewrites none.
    assert.deepEqual(await ingest(a, 'images/v1.raw', { chunkSize: CHUNK }), manifest);
    assert.deepEqual(await a.list(chunkPrefix(1)), stored);
  });

  it('ingests a blob its store keeps as chunks without reading it, to the manifest a read gives', async () => {
    const { a, b } = await regions();
    // 64 MiB of 4 MiB chunks, most of them repeats (zeros above all), and a short last chunk.
    const [x, y, z, zeros] = [
      randomBytes(CHUNK_SIZE),
      randomBytes(CHUNK_SIZE),
      randomBytes(CHUNK_SIZE),
      Buffer.alloc(CHUNK_SIZE),
    ];
    const data = Buffer.concat([
      x,
      y,
      x,
      zeros,
      zeros,
      zeros,
      zeros,
      z,
      y,
      zeros,
      zeros,
      x,
      z,
      zeros,
      zeros,
      y,
      randomBytes(1000),
    ]);
    await a.put('images/built.vhd', data);
    let reads = 0;
    const counted: BlobStore = {
      ...a,
      read: (key, range) => {
        reads += 1;
        return a.read(key, range);
      },
    };

    const manifest = await ingest(counted, 'images/built.vhd');
    assert.equal(reads, 0, 'the blob was not read');
    assert.deepEqual(manifest, {
      size: data.length,
      sha256: contentName(data),
      chunkSize: CHUNK_SIZE,
      runs: toRuns(chunkHashes(data, CHUNK_SIZE)),
    });
    // Consecutive zero chunks make one run: 17 chunks, 12 runs.
    assert.equal(manifest.runs.length, 12);
    assert.deepEqual(manifest.runs[3], { sha: zeroChunkSha(CHUNK_SIZE), count: 4 });
    // The same blob read, as from a store that keeps no chunk list, into another replica.
    const read = await ingest({ ...a, chunks: async () => undefined }, 'images/built.vhd', { replica: 2 });
    assert.deepEqual(read, manifest);
    assert.deepEqual(await verifyReplica(a, 1, manifest), []);
    assert.equal((await a.list(chunkPrefix(1))).length, 5);
    assert.deepEqual(await ingest(counted, 'images/built.vhd'), manifest, 'a rerun finds every chunk in place');
    assert.equal(reads, 0);

    // The zero chunk is adopted in b (zeros are every store's): the other 4 cross.
    assert.deepEqual(await replicate(primary(a), primary(b), manifest), {
      bytesMoved: 3 * CHUNK_SIZE + 1000,
      chunksCopied: 4,
      chunksSkipped: 0,
      chunksAdopted: 1,
    });
    assert.ok((await readAll(readManifest(b, 1, manifest))).equals(data), 'the replica reads back as the blob');
    assert.ok((await readAll(readManifest(a, 1, manifest))).equals(data), 'the primary reads back as the blob');
    // Ranges starting and ending inside, at the edges of and across runs read as the blob's.
    for (const [start, end] of [
      [3 * CHUNK_SIZE, 7 * CHUNK_SIZE - 1],
      [4 * CHUNK_SIZE + 5, 5 * CHUNK_SIZE + 9],
      [6 * CHUNK_SIZE - 1, 8 * CHUNK_SIZE],
      [13 * CHUNK_SIZE + 7, 1e12],
      [16 * CHUNK_SIZE, 16 * CHUNK_SIZE],
    ]) {
      const part = await readAll(readManifest(b, 1, manifest, { start, end }));
      assert.ok(part.equals(data.subarray(start, end + 1)), `bytes ${start}-${end}`);
    }
    assert.equal((await readAll(readManifest(b, 1, manifest, { start: data.length, end: 1e12 }))).length, 0);
  });

  it('moves across regions only the chunks the target region holds nowhere, adopting what it holds as a disk', async () => {
    const { a, b } = await regions();
    // The base is in b already, as a disk, not as a version's chunks; the version changes 2 of its 20 chunks.
    const base = randomBytes(20 * CHUNK_SIZE);
    await b.put('disks/base.vhd', base);
    const built = Buffer.from(base);
    built.fill(7, 3 * CHUNK_SIZE, 3 * CHUNK_SIZE + 100);
    built.fill(9, 11 * CHUNK_SIZE + 5, 11 * CHUNK_SIZE + 9);
    await a.put('images/built.vhd', built);
    const manifest = await ingest(a, 'images/built.vhd');
    assert.deepEqual(await replicate(primary(a), primary(b), manifest), {
      bytesMoved: 2 * CHUNK_SIZE,
      chunksCopied: 2,
      chunksSkipped: 0,
      chunksAdopted: 18,
    });
    assert.deepEqual(await verifyReplica(b, 1, manifest), []);
    assert.ok((await readAll(readManifest(b, 1, manifest))).equals(built));
  });

  it('ingests an empty blob, and refuses a missing one', async () => {
    const { a } = await regions();
    const manifest = await putAndIngest(a, 'images/empty.raw', Buffer.alloc(0));
    assert.deepEqual(manifest, { size: 0, sha256: sha256(Buffer.alloc(0)), chunkSize: CHUNK, runs: [] });
    assert.deepEqual(await readAll(readManifest(a, 1, manifest)), Buffer.alloc(0));
    await assert.rejects(ingest(a, 'images/missing.raw'), { code: 'BlobNotFound' });
  });

  it('replicates every byte the first time and none the second, and fills a second replica within the region', async () => {
    const { a, b, c } = await regions();
    const data = image(40, 17);
    const manifest = await putAndIngest(a, 'images/v1.raw', data);

    assert.deepEqual(await replicate(primary(a), primary(b), manifest), {
      bytesMoved: data.length,
      chunksCopied: 41,
      chunksSkipped: 0,
      chunksAdopted: 0,
    });
    assert.deepEqual(await replicate(primary(a), primary(b), manifest), {
      bytesMoved: 0,
      chunksCopied: 0,
      chunksSkipped: 41,
      chunksAdopted: 0,
    });
    assert.deepEqual(await verifyReplica(b, 1, manifest), []);
    assert.deepEqual(await readAll(readManifest(b, 1, manifest)), data);

    assert.deepEqual(await replicate(primary(b), { store: b, replica: 2 }, manifest), {
      bytesMoved: data.length,
      chunksCopied: 41,
      chunksSkipped: 0,
      chunksAdopted: 0,
    });
    assert.deepEqual(await verifyReplica(b, 2, manifest), []);
    assert.deepEqual(await readAll(readManifest(b, 2, manifest)), data);

    assert.deepEqual(await verifyReplica(c, 1, manifest), chunkList(manifest));
  });

  it('moves only the changed chunks of a version that differs in 1% of them', async () => {
    const { a, b } = await regions();
    const v1 = image(199, 500);
    const v2 = changeChunks(v1, [37, 199]);
    const m1 = await putAndIngest(a, 'images/v1.raw', v1);
    await replicate(primary(a), primary(b), m1);

    const m2 = await putAndIngest(a, 'images/v2.raw', v2);
    assert.equal((await a.list(chunkPrefix(1))).length, 202);
    assert.deepEqual(await replicate(primary(a), primary(b), m2), {
      bytesMoved: CHUNK + 500,
      chunksCopied: 2,
      chunksSkipped: 198,
      chunksAdopted: 0,
    });
    assert.deepEqual(await readAll(readManifest(b, 1, m2)), v2);
  });

  it('finds corrupt and missing chunks, replaces them on the next replication, and refuses to land a corrupt source', async () => {
    const { a, b, c } = await regions();
    const data = image(30);
    const manifest = await putAndIngest(a, 'images/v1.raw', data);
    await replicate(primary(a), primary(b), manifest);

    const [corrupt, missing] = [manifest.runs[5].sha, manifest.runs[8].sha];
    await b.put(chunkKey(1, corrupt), Buffer.from('not the chunk'), { overwrite: true });
    await b.delete(chunkKey(1, missing));
    assert.deepEqual(await verifyReplica(b, 1, manifest), [corrupt, missing]);

    assert.deepEqual(await replicate(primary(a), primary(b), manifest), {
      bytesMoved: 2 * CHUNK,
      chunksCopied: 2,
      chunksSkipped: 28,
      chunksAdopted: 0,
    });
    assert.deepEqual(await verifyReplica(b, 1, manifest), []);
    assert.deepEqual(await readAll(readManifest(b, 1, manifest)), data);

    const tampered = manifest.runs[3].sha;
    await a.put(chunkKey(1, tampered), randomBytes(CHUNK), { overwrite: true });
    await assert.rejects(
      replicate(primary(a), primary(c), manifest),
      new RegExp(`Chunk ${tampered} was sealed .* with sha256`),
    );
    assert.equal(await c.stat(chunkKey(1, tampered)), undefined);
  });

  it('refuses a chunk whose bytes changed on the way between folder regions: it is neither recorded nor kept', async () => {
    const { a, b, root } = await regions();
    const data = image(24);
    const manifest = await putAndIngest(a, 'images/v1.raw', data);
    // The chunk's file in the source region is damaged after its record was written: the kernel
    // copies the damaged bytes, and only the check of what landed can tell.
    const damaged = manifest.runs[7].sha;
    const file = await open(path.join(root, 'eastus', 'chunks', damaged), 'r+');
    await file.write(Buffer.from('rot'), 0, 3, 10);
    await file.close();
    await assert.rejects(replicate(primary(a), primary(b), manifest), /holds [0-9a-f]{64}; it was not kept/);
    assert.equal(await b.stat(chunkKey(1, damaged)), undefined, 'no record names it');
    const missing = await verifyReplica(b, 1, manifest);
    assert.ok(missing.includes(damaged));
    // The copy stops at the failure; what landed before it stays, checked, for a rerun to skip.
    assert.deepEqual(
      manifest.runs.slice(0, 7).filter(({ sha }) => missing.includes(sha)),
      [],
      'the chunks before it landed whole',
    );
    assert.ok(!(await readdir(path.join(root, 'westus', 'chunks'))).includes(damaged), 'no file of it is kept');
    assert.deepEqual(await readdir(path.join(root, 'westus', '.tmp')), [], 'no temp file is left');
  });

  it('stops between chunks when aborted, and a rerun copies only the rest', async () => {
    const { a, b } = await regions();
    const manifest = await putAndIngest(a, 'images/v1.raw', image(100));
    const controller = new AbortController();
    const onProgress = (progress: ReplicationProgress) => {
      if (progress.chunksCopied === 10) controller.abort();
    };
    await assert.rejects(replicate(primary(a), primary(b), manifest, { signal: controller.signal, onProgress }), {
      name: 'AbortError',
    });

    const present = await presentChunks(b, 1, manifest);
    assert.ok(present >= 10 && present < 100, `${present} chunks landed before the abort took effect`);
    assert.deepEqual(await replicate(primary(a), primary(b), manifest), {
      bytesMoved: (100 - present) * CHUNK,
      chunksCopied: 100 - present,
      chunksSkipped: present,
      chunksAdopted: 0,
    });
    assert.deepEqual(await verifyReplica(b, 1, manifest), []);

    await assert.rejects(ingest(a, 'images/v1.raw', { chunkSize: CHUNK, signal: AbortSignal.abort() }), {
      name: 'AbortError',
    });
  });

  it('reports progress that only grows and ends at the image size', async () => {
    const { a, b } = await regions();
    const data = image(20, 100);
    data.copy(data, 15 * CHUNK, 4 * CHUNK, 5 * CHUNK);
    const manifest = await putAndIngest(a, 'images/v1.raw', data);

    for (const expectedMoved of [data.length - CHUNK, 0]) {
      const seen: ReplicationProgress[] = [];
      const result = await replicate(primary(a), primary(b), manifest, {
        onProgress: (progress) => seen.push(progress),
      });
      assert.equal(result.bytesMoved, expectedMoved);
      assert.ok(seen.length >= 20);
      for (const [before, next] of seen.slice(1).map((progress, i) => [seen[i], progress])) {
        assert.ok(
          next.bytesDone >= before.bytesDone &&
            next.bytesMoved >= before.bytesMoved &&
            next.chunksCopied >= before.chunksCopied,
        );
      }
      assert.ok(seen.every((progress) => progress.bytesTotal === data.length));
      assert.deepEqual(seen.at(-1), {
        bytesDone: data.length,
        bytesTotal: data.length,
        bytesMoved: expectedMoved,
        chunksCopied: result.chunksCopied,
      });
    }
  });

  it('collects exactly the chunks no live manifest references, in one replica only', async () => {
    const { a } = await regions();
    const v1 = image(50);
    const m1 = await putAndIngest(a, 'images/v1.raw', v1);
    const m2 = await putAndIngest(a, 'images/v2.raw', changeChunks(v1, [1, 11, 21, 31, 41]));
    // Replica 10's keys share the prefix text "replicas/1" and must not be mistaken for replica 1's.
    await replicate(primary(a), { store: a, replica: 10 }, m1);

    assert.deepEqual(await collectGarbage(a, 1, distinctChunks(m2)), { deleted: 5, bytesFreed: 5 * CHUNK });
    assert.deepEqual(
      (await a.list(chunkPrefix(1))).map((blob) => blob.key).sort(),
      [...distinctChunks(m2)].map((sha) => chunkKey(1, sha)).sort(),
    );
    assert.deepEqual(await verifyReplica(a, 10, m1), []);
    assert.ok(await a.stat('images/v1.raw'));
    assert.deepEqual(await collectGarbage(a, 1, distinctChunks(m2)), { deleted: 0, bytesFreed: 0 });
  });

  it('replicates and reads a manifest stored before runs, one hash per chunk, as the same runs', async () => {
    const { a, b } = await regions();
    const data = image(6, 40);
    data.copy(data, 2 * CHUNK, 1 * CHUNK, 2 * CHUNK);
    data.copy(data, 3 * CHUNK, 1 * CHUNK, 2 * CHUNK);
    const manifest = await putAndIngest(a, 'images/v1.raw', data);
    const { runs, ...rest } = manifest;
    const stored = JSON.parse(JSON.stringify({ ...rest, chunks: chunkList(manifest) }));
    assert.equal(runs.length, 5);
    assert.equal(stored.chunks.length, 7);

    const read = manifestOf(stored);
    assert.deepEqual(read, manifest);
    assert.equal(manifestOf(manifest), manifest, 'a manifest of runs is taken as it is');
    assert.deepEqual(await replicate(primary(a), primary(b), read), {
      bytesMoved: data.length - 2 * CHUNK,
      chunksCopied: 5,
      chunksSkipped: 0,
      chunksAdopted: 0,
    });
    assert.deepEqual(await verifyReplica(b, 1, read), []);
    assert.deepEqual(await readAll(readManifest(b, 1, read)), data);
  });

  it('refuses a manifest whose runs do not add up to its chunks, or name no chunk', () => {
    const sha = 'a'.repeat(64);
    const manifest = (runs: { sha: string; count: number }[], size = 3 * CHUNK - 1): ChunkManifest => ({
      size,
      sha256: sha,
      chunkSize: CHUNK,
      runs,
    });
    assert.doesNotThrow(() => checkManifest(manifest([{ sha, count: 3 }])));
    assert.throws(() => checkManifest(manifest([{ sha, count: 2 }])), /has 3 chunks, not 2/);
    assert.throws(() => checkManifest(manifest([{ sha, count: 4 }])), /has 3 chunks, not 4/);
    assert.throws(
      () =>
        checkManifest(
          manifest([
            { sha, count: 3 },
            { sha, count: 0 },
          ]),
        ),
      /Invalid run length 0/,
    );
    assert.throws(
      () =>
        checkManifest(
          manifest([
            { sha, count: 1.5 },
            { sha, count: 1.5 },
          ]),
        ),
      /Invalid run length/,
    );
    assert.throws(() => checkManifest(manifest([{ sha: '../../x', count: 3 }])), /Invalid chunk hash/);
  });

  it('finds the run holding any chunk by its index', () => {
    const counts = [1, 5, 1, 1, 1000, 2, 8_388_352, 1];
    const starts = runStarts({
      size: 0,
      sha256: '',
      chunkSize: 1,
      runs: counts.map((count) => ({ sha: '', count })),
    });
    const total = counts.reduce((sum, count) => sum + count, 0);
    assert.equal(starts.at(-1), total);
    for (const [run, count] of counts.entries()) {
      for (const index of [starts[run], starts[run] + Math.floor(count / 2), starts[run] + count - 1])
        assert.equal(runHolding(starts, index), run, `chunk ${index}`);
    }
    assert.throws(() => runHolding(starts, total), RangeError);
    assert.throws(() => runHolding(starts, -1), RangeError);
  });

  it('ingests, replicates, verifies and reads an empty 32,767 GiB disk as two runs', { timeout: 30_000 }, async () => {
    const { a, b } = await regions();
    const size = 32_767 * 1024 ** 3 + 512;
    const footer = randomBytes(512);
    await a.createStaging('disks/empty.vhd', size);
    await a.writeStaging('disks/empty.vhd', size - 512, footer);
    await a.seal('disks/empty.vhd');

    const manifest = await ingest(a, 'disks/empty.vhd');
    assert.deepEqual(manifest.runs, [
      { sha: zeroChunkSha(CHUNK_SIZE), count: 8_388_352 },
      { sha: sha256(footer), count: 1 },
    ]);
    const stored = JSON.stringify(manifest);
    assert.ok(stored.length < 1000, `the manifest is ${stored.length} characters of JSON`);
    assert.deepEqual(JSON.parse(stored), manifest);

    // Zeros are adopted in b: only the footer's chunk crosses.
    assert.deepEqual(await replicate(primary(a), primary(b), JSON.parse(stored)), {
      bytesMoved: 512,
      chunksCopied: 1,
      chunksSkipped: 0,
      chunksAdopted: 1,
    });
    assert.deepEqual(await verifyReplica(b, 1, manifest), []);
    const tail = await readAll(readManifest(b, 1, manifest, { start: size - 1024, end: size - 1 }));
    assert.ok(tail.equals(Buffer.concat([Buffer.alloc(512), footer])), 'the last 1024 bytes read back');
  });
});
