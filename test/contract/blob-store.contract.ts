/**
 * What every BlobStore adapter must do. `open` may return the same store each time (e.g. one Azure
 * container): every test uses keys under its own random prefix.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { CHUNK_SIZE, contentHasher, contentId, toRuns, zeroChunkSha } from '../../src/core/content-id.ts';
import type { BlobStore, ByteRange } from '../../src/ports/blob-store.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The content name every store gives `data` (plain sha256 up to one chunk). */
function contentName(data: Buffer): string {
  const hasher = contentHasher();
  hasher.update(data);
  return hasher.digest();
}

/** The sha256 of each CHUNK_SIZE chunk of `data`. */
const chunkShas = (data: Buffer): string[] =>
  Array.from({ length: Math.ceil(data.length / CHUNK_SIZE) }, (_, i) =>
    sha256(data.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE)),
  );

export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Compares bytes without printing megabytes when they differ. */
export function assertSameBytes(actual: Buffer, expected: Buffer, what = 'bytes'): void {
  if (actual.equals(expected)) return;
  let at = 0;
  while (at < Math.min(actual.length, expected.length) && actual[at] === expected[at]) at++;
  assert.fail(`${what}: ${actual.length} bytes, not ${expected.length}, or another byte at offset ${at}`);
}

/** Deterministic bytes that differ at every offset, so a misplaced range shows. */
function pattern(size: number, seed = 1): Buffer {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return data;
}

/** A full garbage collection, so live memory can be measured. */
function collectGarbage(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

export function describeBlobStoreContract(name: string, open: () => Promise<BlobStore>): void {
  describe(`BlobStore contract: ${name}`, () => {
    const prefix = () => `contract/${randomUUID()}`;

    it('puts a buffer and reads it back with its size and sha256', async () => {
      const store = await open();
      const key = `${prefix()}/a.bin`;
      const data = pattern(5000);
      const info = await store.put(key, data);
      assert.deepEqual(
        { key: info.key, size: info.size, sha256: info.sha256 },
        { key, size: 5000, sha256: sha256(data) },
      );
      const stat = await store.stat(key);
      assert.deepEqual(
        { key: stat?.key, size: stat?.size, sha256: stat?.sha256 },
        { key, size: 5000, sha256: sha256(data) },
      );
      assert.deepEqual(await readAll(store.read(key)), data);
    });

    it('puts content `like` another blob, reading back the same bytes under the same content name', async () => {
      const store = await open();
      const base = prefix();
      const source = Buffer.concat([pattern(CHUNK_SIZE, 7), Buffer.alloc(CHUNK_SIZE), pattern(9000, 8)]);
      const built = Buffer.from(source);
      pattern(5000, 9).copy(built, 12_345);
      pattern(4096, 10).copy(built, CHUNK_SIZE + 8192);
      await store.put(`${base}/source.bin`, source);
      const runs = (await store.chunks?.(`${base}/source.bin`)) ?? [];
      const info = await store.put(`${base}/built.bin`, built, { like: runs });
      assert.equal(info.sha256, (await store.put(`${base}/plain.bin`, built)).sha256);
      assertSameBytes(await readAll(store.read(`${base}/built.bin`)), built);
      const range = { start: 12_000, end: CHUNK_SIZE + 9000 };
      assertSameBytes(
        await readAll(store.read(`${base}/built.bin`, range)),
        built.subarray(range.start, range.end + 1),
      );
      await store.delete(`${base}/source.bin`);
      assertSameBytes(await readAll(store.read(`${base}/built.bin`)), built, 'once the blob it was like is gone');
    });

    it('answers a probe once opened, and after blobs came and went', async () => {
      const store = await open();
      await store.open();
      await store.probe();
      const key = `${prefix()}/probed.bin`;
      await store.put(key, pattern(10));
      await store.delete(key);
      await store.probe(AbortSignal.timeout(5000));
    });

    it('reads inclusive byte ranges', async () => {
      const store = await open();
      const key = `${prefix()}/ranges.bin`;
      const data = pattern(4096);
      await store.put(key, data);
      const ranges: ByteRange[] = [
        { start: 0, end: 0 },
        { start: 2, end: 5 },
        { start: 1000, end: 4095 },
      ];
      for (const range of ranges) {
        assert.deepEqual(await readAll(store.read(key, range)), data.subarray(range.start, range.end + 1));
      }
    });

    it('puts a stream and an empty blob', async () => {
      const store = await open();
      const base = prefix();
      const parts = [pattern(3, 1), pattern(70000, 2), pattern(1, 3)];
      const info = await store.put(`${base}/stream.bin`, Readable.from(parts));
      assert.equal(info.size, 70004);
      assert.equal(info.sha256, sha256(Buffer.concat(parts)));
      assert.deepEqual(await readAll(store.read(`${base}/stream.bin`)), Buffer.concat(parts));
      const empty = await store.put(`${base}/empty.bin`, Buffer.alloc(0));
      assert.equal(empty.size, 0);
      assert.equal(empty.sha256, sha256(Buffer.alloc(0)));
      assert.equal((await readAll(store.read(`${base}/empty.bin`))).length, 0);
    });

    it('refuses a put over an existing key and keeps the original', async () => {
      const store = await open();
      const key = `${prefix()}/once.bin`;
      await store.put(key, Buffer.from('first'));
      await assert.rejects(store.put(key, Buffer.from('second')));
      assert.equal((await readAll(store.read(key))).toString(), 'first');
    });

    it('replaces an existing key when asked to overwrite', async () => {
      const store = await open();
      const key = `${prefix()}/replaced.bin`;
      await store.put(key, Buffer.from('first'));
      const info = await store.put(key, Buffer.from('second!'), { overwrite: true });
      assert.equal(info.sha256, sha256(Buffer.from('second!')));
      assert.equal((await store.stat(key))?.size, 7);
      assert.equal((await readAll(store.read(key))).toString(), 'second!');
    });

    it('reports absent blobs as undefined and fails to read them', async () => {
      const store = await open();
      const key = `${prefix()}/missing.bin`;
      assert.equal(await store.stat(key), undefined);
      await assert.rejects(readAll(store.read(key)));
    });

    it('refuses keys with .., absolute paths and empty segments', async () => {
      const store = await open();
      for (const key of ['../escape.bin', 'a/../b.bin', '/abs/c.bin', 'a//d.bin', 'a/e/', '']) {
        await assert.rejects(store.put(key, Buffer.from('x')), Error, `key ${JSON.stringify(key)}`);
      }
    });

    it('copies a blob independently of its source', async () => {
      const store = await open();
      const base = prefix();
      const data = pattern(10000);
      await store.put(`${base}/source.bin`, data);
      const copied = await store.copy(`${base}/source.bin`, `${base}/copy.bin`);
      assert.equal(copied.key, `${base}/copy.bin`);
      assert.equal(copied.sha256, sha256(data));
      await store.delete(`${base}/source.bin`);
      assert.equal(await store.stat(`${base}/source.bin`), undefined);
      assert.equal((await store.stat(`${base}/copy.bin`))?.sha256, sha256(data));
      assert.deepEqual(await readAll(store.read(`${base}/copy.bin`)), data);
    });

    it('refuses to copy a missing blob or onto an existing one', async () => {
      const store = await open();
      const base = prefix();
      await assert.rejects(store.copy(`${base}/nothing.bin`, `${base}/copy.bin`));
      assert.equal(await store.stat(`${base}/copy.bin`), undefined);
      await store.put(`${base}/a.bin`, Buffer.from('a'));
      await store.put(`${base}/b.bin`, Buffer.from('b'));
      await assert.rejects(store.copy(`${base}/a.bin`, `${base}/b.bin`));
      assert.equal((await readAll(store.read(`${base}/b.bin`))).toString(), 'b');
    });

    it('copies byte ranges of a blob: each equals the range read, named by its content', async () => {
      const store = await open();
      const base = prefix();
      const data = pattern(3 * CHUNK_SIZE + 1000, 15);
      await store.put(`${base}/source.bin`, data);
      const ranges: Record<string, ByteRange> = {
        'first chunk': { start: 0, end: CHUNK_SIZE - 1 },
        'middle chunks': { start: CHUNK_SIZE, end: 3 * CHUNK_SIZE - 1 },
        'to the short last chunk': { start: 2 * CHUNK_SIZE, end: 3 * CHUNK_SIZE + 999 },
        'the short last chunk, end past the blob': { start: 3 * CHUNK_SIZE, end: 10 * CHUNK_SIZE },
        'across a chunk boundary': { start: CHUNK_SIZE - 100, end: CHUNK_SIZE + 5 },
        'inside a chunk': { start: 7, end: 4102 },
        'unaligned over several chunks': { start: 1000, end: 3 * CHUNK_SIZE + 500 },
      };
      for (const [name, range] of Object.entries(ranges)) {
        const key = `${base}/${name.replaceAll(' ', '-')}.bin`;
        const expected = data.subarray(range.start, range.end + 1);
        const copied = await store.copy(`${base}/source.bin`, key, range);
        assert.deepEqual(
          { key: copied.key, size: copied.size, sha256: copied.sha256 },
          {
            key,
            size: expected.length,
            sha256: contentName(expected),
          },
          name,
        );
        assert.equal((await store.stat(key))?.sha256, contentName(expected), name);
        assertSameBytes(await readAll(store.read(key)), expected, name);
      }
      await store.delete(`${base}/source.bin`);
      assertSameBytes(
        await readAll(store.read(`${base}/first-chunk.bin`)),
        data.subarray(0, CHUNK_SIZE),
        'after its source went',
      );
    });

    it('copies a range of zeros, and one ending in written bytes, out of a sealed staging blob', async () => {
      const store = await open();
      const key = `${prefix()}/disk.vhd`;
      const size = 3 * CHUNK_SIZE + 512;
      const expected = Buffer.alloc(size);
      await store.createStaging(key, size);
      for (const [offset, data] of [
        [4096, pattern(512, 16)],
        [3 * CHUNK_SIZE, pattern(512, 17)],
      ] as const) {
        await store.writeStaging(key, offset, data);
        data.copy(expected, offset);
      }
      await store.seal(key);
      const zeros = await store.copy(key, `${key}.zeros`, { start: CHUNK_SIZE, end: 3 * CHUNK_SIZE - 1 });
      assert.equal(zeros.sha256, contentId(2 * CHUNK_SIZE, [{ sha: zeroChunkSha(CHUNK_SIZE), count: 2 }]));
      assertSameBytes(await readAll(store.read(`${key}.zeros`)), Buffer.alloc(2 * CHUNK_SIZE), 'zeros');
      const tail = await store.copy(key, `${key}.tail`, { start: 2 * CHUNK_SIZE + 7, end: size - 1 });
      assert.equal(tail.sha256, contentName(expected.subarray(2 * CHUNK_SIZE + 7)));
      assertSameBytes(await readAll(store.read(`${key}.tail`)), expected.subarray(2 * CHUNK_SIZE + 7), 'tail');
    });

    it('refuses a ranged copy of a missing blob, onto an existing one, or starting past the end', async () => {
      const store = await open();
      const base = prefix();
      const range = { start: 0, end: 0 };
      await assert.rejects(store.copy(`${base}/nothing.bin`, `${base}/copy.bin`, range), { code: 'BlobNotFound' });
      assert.equal(await store.stat(`${base}/copy.bin`), undefined);
      await store.put(`${base}/a.bin`, Buffer.from('a'));
      await store.put(`${base}/b.bin`, Buffer.from('b'));
      await assert.rejects(store.copy(`${base}/a.bin`, `${base}/b.bin`, range), { code: 'BlobAlreadyExists' });
      assert.equal((await readAll(store.read(`${base}/b.bin`))).toString(), 'b');
      await assert.rejects(store.copy(`${base}/a.bin`, `${base}/c.bin`, { start: 1, end: 5 }), {
        code: 'InvalidRange',
      });
      await assert.rejects(store.copy(`${base}/a.bin`, `${base}/c.bin`, { start: 1, end: 0 }), RangeError);
      assert.equal(await store.stat(`${base}/c.bin`), undefined);
    });

    it("lists a blob's chunks, if it keeps it as chunks, as its content name counts them", async () => {
      const store = await open();
      const base = prefix();
      assert.equal(await store.chunks(`${base}/missing.bin`), undefined);
      const chunk = pattern(CHUNK_SIZE, 18);
      const data = Buffer.concat([chunk, chunk, Buffer.alloc(CHUNK_SIZE), chunk, pattern(100, 19)]);
      const info = await store.put(`${base}/a.bin`, data);
      const runs = await store.chunks(`${base}/a.bin`);
      if (runs !== undefined) {
        assert.equal(contentId(data.length, runs), info.sha256);
        assert.deepEqual(runs, toRuns(chunkShas(data)));
      }
      const empty = await store.put(`${base}/empty.bin`, Buffer.alloc(0));
      const none = await store.chunks(`${base}/empty.bin`);
      if (none !== undefined) assert.equal(contentId(0, none), empty.sha256);
    });

    it('adopts a chunk it holds as a blob of its own where it keeps chunks, or answers undefined', async () => {
      const store = await open();
      const base = prefix();
      const second = pattern(CHUNK_SIZE, 20);
      const last = pattern(1000, 21);
      const source = Buffer.concat([pattern(CHUNK_SIZE, 22), second, last]);
      await store.put(`${base}/source.bin`, source);
      const keepsChunks = (await store.chunks(`${base}/source.bin`)) !== undefined;
      const chunks = { second, 'short last': last, zero: Buffer.alloc(CHUNK_SIZE) };
      for (const [name, content] of Object.entries(chunks)) {
        const key = `${base}/${name.replaceAll(' ', '-')}.chunk`;
        const adopted = await store.adopt(key, sha256(content));
        if (adopted === undefined) {
          assert.ok(!keepsChunks, `a store keeping chunks adopts the ${name} chunk`);
          assert.equal(await store.stat(key), undefined, name);
          continue;
        }
        const expected = { key, size: content.length, sha256: sha256(content) };
        assert.deepEqual({ key: adopted.key, size: adopted.size, sha256: adopted.sha256 }, expected, name);
        const stat = await store.stat(key);
        assert.deepEqual({ key: stat?.key, size: stat?.size, sha256: stat?.sha256 }, expected, name);
        assertSameBytes(await readAll(store.read(key)), content, name);
        if (keepsChunks) assert.deepEqual(await store.chunks(key), [{ sha: sha256(content), count: 1 }], name);
      }
      if (keepsChunks) {
        await assert.rejects(store.adopt(`${base}/source.bin`, sha256(second)), { code: 'BlobAlreadyExists' });
        await assert.rejects(store.adopt(`${base}/second.chunk`, sha256(last)), { code: 'BlobAlreadyExists' });
        assertSameBytes(await readAll(store.read(`${base}/second.chunk`)), second, 'the existing blob');
      }
      assertSameBytes(await readAll(store.read(`${base}/source.bin`)), source, 'the source');
    });

    it('adopts nothing it lacks, nor zeros shorter than a chunk', async () => {
      const store = await open();
      const base = prefix();
      await store.put(`${base}/held.bin`, pattern(CHUNK_SIZE, 23));
      const lacked = { 'content never put': sha256(pattern(CHUNK_SIZE, 24)), 'short zeros': zeroChunkSha(1000) };
      for (const [name, sha] of Object.entries(lacked)) {
        const key = `${base}/${name.replaceAll(' ', '-')}.chunk`;
        assert.equal(await store.adopt(key, sha), undefined, name);
        assert.equal(await store.stat(key), undefined, name);
      }
      assert.deepEqual(
        (await store.list(`${base}/`)).map((info) => info.key),
        [`${base}/held.bin`],
      );
    });

    it('assembles a blob of chunks it holds where it keeps chunks, or answers undefined', async () => {
      const store = await open();
      const base = prefix();
      const first = pattern(CHUNK_SIZE, 25);
      const last = pattern(1000, 26);
      await store.put(`${base}/source.bin`, Buffer.concat([first, last]));
      const keepsChunks = (await store.chunks(`${base}/source.bin`)) !== undefined;
      // The source's chunks again, with zeros between: content no blob holds.
      const expected = Buffer.concat([first, Buffer.alloc(CHUNK_SIZE), first, last]);
      const runs = toRuns(chunkShas(expected));
      const key = `${base}/assembled.bin`;
      const made = await store.assemble(key, expected.length, runs);
      if (!keepsChunks) {
        assert.equal(made, undefined);
        assert.equal(await store.stat(key), undefined);
        return;
      }
      const wanted = { key, size: expected.length, sha256: contentName(expected) };
      assert.deepEqual({ key: made?.key, size: made?.size, sha256: made?.sha256 }, wanted);
      assert.deepEqual(await store.chunks(key), runs);
      const lacking = toRuns([...chunkShas(expected).slice(0, 3), sha256(pattern(1000, 27))]);
      assert.equal(await store.assemble(`${base}/lacking.bin`, expected.length, lacking), undefined);
      assert.equal(await store.stat(`${base}/lacking.bin`), undefined);
      await assert.rejects(store.assemble(`${base}/source.bin`, expected.length, runs), { code: 'BlobAlreadyExists' });
      await assert.rejects(store.assemble(`${base}/miscounted.bin`, expected.length + CHUNK_SIZE, runs), RangeError);
      // The assembled blob holds its chunks itself: they stay when the blob they came from goes.
      await store.delete(`${base}/source.bin`);
      assertSameBytes(await readAll(store.read(key)), expected, 'the assembled blob');
    });

    it('copies a blob from another store of its kind whose bytes it reaches, or answers undefined', async (t) => {
      const [from, to] = [await open(), await open()];
      if (!to.copyFrom) return t.skip('this store copies from no other: callers read and put');
      const key = `${prefix()}/image.vhd`;
      const data = Buffer.concat([pattern(CHUNK_SIZE, 5), Buffer.alloc(CHUNK_SIZE), pattern(3000, 6)]);
      const put = await from.put(key, data);
      const copied = await to.copyFrom(from, key, `${key}.copy`);
      assert.ok(copied, 'a store of the same kind is reached');
      assert.equal(copied.sha256, put.sha256);
      assert.equal(copied.size, data.length);
      await assert.rejects(to.copyFrom(from, key, `${key}.copy`), { code: 'BlobAlreadyExists' });
      await from.delete(key);
      assertSameBytes(await readAll(to.read(`${key}.copy`)), data, 'the copy outlives its source');
      const other: BlobStore = { ...from };
      assert.equal(await to.copyFrom(other, `${key}.copy`, `${key}.again`), undefined, 'a store it cannot reach');
      assert.equal(await to.stat(`${key}.again`), undefined);
    });

    it('writes a blob out as a sparse local file up to an end, where it offers to', async (t) => {
      const store = await open();
      if (!store.writeToFile) return t.skip('this store has no local files: callers read the blob');
      const key = `${prefix()}/disk.vhd`;
      // Written bytes, a chunk of zeros, and a short last chunk of written bytes.
      const data = Buffer.concat([pattern(CHUNK_SIZE + 1000, 3), Buffer.alloc(2 * CHUNK_SIZE), pattern(5000, 4)]);
      await store.put(key, data);
      const dir = await mkdtemp(join(tmpdir(), 'kiln-write-to-file-'));
      try {
        for (const end of [data.length, data.length - 512, CHUNK_SIZE + 1000]) {
          const file = join(dir, `out-${end}`);
          await writeFile(file, 'an older file is replaced');
          await store.writeToFile(key, file, end);
          assertSameBytes(await readFile(file), data.subarray(0, end), `written up to ${end}`);
          const written = await stat(file);
          assert.equal(written.mode & 0o777, 0o600);
          if (end === data.length)
            assert.ok(
              written.blocks * 512 <= data.length - CHUNK_SIZE / 2,
              `the chunk of zeros is a hole: ${written.blocks} blocks`,
            );
        }
        await assert.rejects(store.writeToFile(`${prefix()}/missing`, join(dir, 'none'), 10), { code: 'BlobNotFound' });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('deletes blobs, and deleting a missing blob is not an error', async () => {
      const store = await open();
      const key = `${prefix()}/gone.bin`;
      await store.put(key, Buffer.from('bye'));
      await store.delete(key);
      assert.equal(await store.stat(key), undefined);
      await store.delete(key);
    });

    it('lists the blobs under a prefix in key order', async () => {
      const store = await open();
      const base = prefix();
      for (const name of ['b/2.bin', 'a/1.bin', 'b/1.bin', 'c.bin'])
        await store.put(`${base}/${name}`, Buffer.from(name));
      await store.put(`${base}x/other.bin`, Buffer.from('other'));
      const listed = await store.list(`${base}/b/`);
      assert.deepEqual(
        listed.map((info) => [info.key, info.size, info.sha256]),
        ['b/1.bin', 'b/2.bin'].map((name) => [`${base}/${name}`, name.length, sha256(Buffer.from(name))]),
      );
      assert.deepEqual(
        (await store.list(`${base}/`)).map((info) => info.key),
        ['a/1.bin', 'b/1.bin', 'b/2.bin', 'c.bin'].map((name) => `${base}/${name}`),
      );
      await store.delete(`${base}/b/1.bin`);
      assert.deepEqual(
        (await store.list(`${base}/b/`)).map((info) => info.key),
        [`${base}/b/2.bin`],
      );
    });

    it('stages a blob: zero-filled, written at offsets, read, sealed with the right sha256', async () => {
      const store = await open();
      const key = `${prefix()}/disk.vhd`;
      const expected = Buffer.alloc(8192);
      await store.createStaging(key, expected.length);
      assert.equal(await store.stagingSize(key), 8192);
      assert.equal(await store.stat(key), undefined, 'a staging blob is not a sealed one');
      assert.deepEqual(await readAll(store.readStaging(key)), expected);

      const page = pattern(512, 5);
      await store.writeStaging(key, 512, page);
      page.copy(expected, 512);
      const pages = [pattern(1024, 6), pattern(512, 7)];
      await store.writeStaging(key, 7680 - 1024, Readable.from(pages));
      Buffer.concat(pages).copy(expected, 7680 - 1024);
      assert.deepEqual(await readAll(store.readStaging(key)), expected);
      assert.deepEqual(await readAll(store.readStaging(key, { start: 500, end: 1100 })), expected.subarray(500, 1101));

      const info = await store.seal(key);
      assert.deepEqual(
        { key: info.key, size: info.size, sha256: info.sha256 },
        { key, size: 8192, sha256: sha256(expected) },
      );
      assert.equal(await store.stagingSize(key), undefined);
      assert.equal((await store.stat(key))?.sha256, sha256(expected));
      assert.deepEqual(await readAll(store.read(key)), expected);
      await assert.rejects(store.writeStaging(key, 0, Buffer.alloc(512)), Error, 'a sealed blob takes no writes');
    });

    it('refuses staging writes past the end, a second staging blob and sealing a missing one', async () => {
      const store = await open();
      const key = `${prefix()}/small.vhd`;
      await store.createStaging(key, 1024);
      await assert.rejects(store.writeStaging(key, 512, Buffer.alloc(1024)));
      await assert.rejects(store.createStaging(key, 1024));
      await assert.rejects(store.seal(`${prefix()}/never.vhd`));
      await assert.rejects(store.writeStaging(`${prefix()}/never.vhd`, 0, Buffer.alloc(512)));
    });

    it('deletes a staging blob', async () => {
      const store = await open();
      const key = `${prefix()}/abandoned.vhd`;
      await store.createStaging(key, 4096);
      await store.deleteStaging(key);
      assert.equal(await store.stagingSize(key), undefined);
      await assert.rejects(readAll(store.readStaging(key)));
      await store.deleteStaging(key);
    });

    it('streams 64 MiB in and out without holding it in memory', async () => {
      const store = await open();
      const key = `${prefix()}/large.bin`;
      const chunkSize = 1024 * 1024;
      const chunks = 64;
      const gc = collectGarbage();
      const expectedHash = createHash('sha256');
      gc();
      const baseline = process.memoryUsage().arrayBuffers;
      let peak = 0;
      async function* generate(): AsyncGenerator<Buffer> {
        for (let i = 0; i < chunks; i++) {
          if (i % 8 === 0) {
            gc();
            peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
          }
          const chunk = Buffer.alloc(chunkSize, i);
          chunk.writeUInt32BE(i, 0);
          expectedHash.update(chunk);
          yield chunk;
        }
      }
      const name = contentHasher();
      async function* named(): AsyncGenerator<Buffer> {
        for await (const chunk of generate()) {
          name.update(chunk);
          yield chunk;
        }
      }
      const info = await store.put(key, Readable.from(named(), { objectMode: false }));
      const digest = expectedHash.digest('hex');
      assert.equal(info.size, chunks * chunkSize);
      assert.equal(info.sha256, name.digest());
      // The whole content would be 64 MiB; an adapter may buffer a few chunks, not all of them.
      assert.ok(peak < 32 * chunkSize, `${Math.round(peak / chunkSize)} MiB held while putting`);

      const readHash = createHash('sha256');
      let size = 0;
      for await (const chunk of store.read(key)) {
        readHash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      assert.equal(size, chunks * chunkSize);
      assert.equal(readHash.digest('hex'), digest);
      await store.delete(key);
    });

    it('names content by its chunks: a put sharing most chunks with a blob shares their names', async () => {
      const store = await open();
      const base = prefix();
      const original = pattern(3 * CHUNK_SIZE + 1000, 8);
      const changed = Buffer.from(original);
      changed.write('a build changed these bytes', CHUNK_SIZE + 4096);
      const first = await store.put(`${base}/source.vhd`, original);
      const second = await store.put(
        `${base}/output.vhd`,
        Readable.from([changed.subarray(0, 5000), changed.subarray(5000)]),
      );
      assert.equal(first.sha256, contentId(original.length, chunkShas(original)));
      assert.equal(second.sha256, contentId(changed.length, chunkShas(changed)));
      assert.equal((await store.stat(`${base}/output.vhd`))?.sha256, second.sha256);
      const [before, after] = [chunkShas(original), chunkShas(changed)];
      assert.deepEqual(
        after.map((sha, i) => sha === before[i]),
        [true, false, true, true],
        'only the chunk the build changed has another name',
      );
      assertSameBytes(await readAll(store.read(`${base}/output.vhd`)), changed);
      assertSameBytes(
        await readAll(store.read(`${base}/output.vhd`, { start: CHUNK_SIZE - 10, end: 2 * CHUNK_SIZE + 9 })),
        changed.subarray(CHUNK_SIZE - 10, 2 * CHUNK_SIZE + 10),
      );
    });

    it('stages a blob over several chunks with parallel writes across chunk boundaries', async () => {
      const store = await open();
      const key = `${prefix()}/multi.vhd`;
      const size = 2 * CHUNK_SIZE + 64 * 1024;
      const expected = Buffer.alloc(size);
      await store.createStaging(key, size);
      const writes = [
        { offset: CHUNK_SIZE - 4096, data: pattern(8192, 9) },
        { offset: CHUNK_SIZE + 8192, data: pattern(1024, 10) },
        { offset: 0, data: pattern(512, 11) },
        { offset: size - 1024, data: pattern(1024, 12) },
        { offset: 2 * CHUNK_SIZE - 512, data: pattern(1024, 13) },
      ];
      await Promise.all(writes.map(({ offset, data }) => store.writeStaging(key, offset, data)));
      for (const { offset, data } of writes) data.copy(expected, offset);
      // Zeros written over data make a chunk of zeros again.
      await store.writeStaging(key, 0, Buffer.alloc(512));
      expected.fill(0, 0, 512);
      assertSameBytes(await readAll(store.readStaging(key)), expected);
      const range = { start: CHUNK_SIZE - 5000, end: 2 * CHUNK_SIZE + 100 };
      assertSameBytes(await readAll(store.readStaging(key, range)), expected.subarray(range.start, range.end + 1));
      const info = await store.seal(key);
      assert.equal(info.sha256, contentName(expected));
      assertSameBytes(await readAll(store.read(key)), expected);
    });

    it(
      'creates, seals, reads and deletes an empty disk of the largest size it takes (32,767 GiB) at once',
      { timeout: 20_000 },
      async () => {
        const store = await open();
        const key = `${prefix()}/empty.vhd`;
        // Where the store has a limit, the largest whole-GiB disk under it; past it, a clear refusal.
        const limit = store.maxStagingBytes;
        const dataBytes = limit === undefined ? 32767 * 1024 ** 3 : Math.floor((limit - 512) / 1024 ** 3) * 1024 ** 3;
        if (limit !== undefined)
          await assert.rejects(store.createStaging(`${prefix()}/too-big.vhd`, limit + 512), /limit/);
        const size = dataBytes + 512;
        const footer = pattern(512, 14);
        await store.createStaging(key, size);
        await store.writeStaging(key, dataBytes, footer);
        const info = await store.seal(key);
        const fullChunks = dataBytes / CHUNK_SIZE;
        const expectedName = contentId(size, [{ sha: zeroChunkSha(CHUNK_SIZE), count: fullChunks }, sha256(footer)]);
        assert.deepEqual({ key: info.key, size: info.size, sha256: info.sha256 }, { key, size, sha256: expectedName });
        assert.equal((await store.stat(key))?.sha256, expectedName);
        assertSameBytes(await readAll(store.read(key, { start: size - 512, end: size - 1 })), footer);
        const middle = Math.floor(dataBytes / 2) - 1000;
        assertSameBytes(
          await readAll(store.read(key, { start: middle, end: middle + 2 * CHUNK_SIZE })),
          Buffer.alloc(2 * CHUNK_SIZE + 1),
        );
        await store.delete(key);
        assert.equal(await store.stat(key), undefined);
      },
    );
  });
}
