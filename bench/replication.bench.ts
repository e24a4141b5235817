/**
 * Chunked replication of two image versions to three more regions, side by side with `cp` of the
 * same image on the same disk. Usage and a recorded run: bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createFsRegionStores } from '../src/adapters/fs-blob-store.ts';
import { CHUNK_SIZE, contentHasher } from '../src/core/content-id.ts';
import { chunkPrefix, type ChunkManifest } from '../src/domain/replication/chunk-manifest.ts';
import { ingest, readManifest, replicate } from '../src/domain/replication/chunk-store.ts';
import type { BlobStore } from '../src/ports/blob-store.ts';

const MIB = 1024 * 1024;
const { values } = parseArgs({
  options: { 'size-mib': { type: 'string', default: '2048' }, dir: { type: 'string', default: os.tmpdir() } },
});
const sizeMib = Number(values['size-mib']);
if (!Number.isSafeInteger(sizeMib) || sizeMib < 1)
  throw new Error(`--size-mib takes a whole number of MiB, not '${values['size-mib']}'.`);
const size = sizeMib * MIB;
const chunkCount = Math.ceil(size / CHUNK_SIZE);
// Version 2 differs in 1% of the chunks, spread over the image.
const changedCount = Math.max(1, Math.round(chunkCount / 100));
const changed = new Set(
  Array.from({ length: changedCount }, (_, k) => Math.floor(((k + 0.5) * chunkCount) / changedCount)),
);

/**
 * Random-looking bytes at memory speed: each chunk is a window of one random pool, stamped with its
 * index (and, where version 2 differs, the version) so no two chunks are alike.
 */
const pool = randomBytes(64 * MIB);
async function writeImage(file: string, version: number): Promise<void> {
  const chunk = Buffer.alloc(CHUNK_SIZE);
  const handle = await open(file, 'wx');
  try {
    for (let index = 0; index < chunkCount; index += 1) {
      const length = Math.min(CHUNK_SIZE, size - index * CHUNK_SIZE);
      const offset = (index * 1237 * 4096) % (pool.length - CHUNK_SIZE);
      pool.copy(chunk, 0, offset, offset + length);
      chunk.writeUInt32LE(index, 0);
      chunk.writeUInt32LE(changed.has(index) ? version : 1, 4);
      const { bytesWritten } = await handle.write(chunk, 0, length, index * CHUNK_SIZE);
      if (bytesWritten !== length) throw new Error(`short write to ${file}`);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function timed<T>(run: () => Promise<T> | T): Promise<[T, number]> {
  const start = performance.now();
  const result = await run();
  return [result, (performance.now() - start) / 1000];
}

interface Row {
  step: string;
  seconds: number;
  /** Bytes written to a store (or by cp). */
  moved: number;
  /** Bytes of the image the step made available, moved or found in place. */
  covered: number;
}

let cpSeconds = 0;
const columns = ['step', 'time s', 'moved MiB', 'moved MiB/s', 'image MiB/s', 'time / cp'];
const widths = [40, 8, 10, 12, 12, 10];
const line = (cells: string[]) =>
  console.log(
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`,
  );
function print({ step, seconds, moved, covered }: Row): void {
  const rate = (bytes: number) => (bytes / MIB / seconds).toFixed(0);
  line([
    step,
    seconds.toFixed(2),
    (moved / MIB).toFixed(0),
    rate(moved),
    rate(covered),
    (seconds / cpSeconds).toFixed(2),
  ]);
}

/** Bytes of replica 1's chunks in `store`: what an ingest added is the growth of this. */
const chunkBytes = async (store: BlobStore) =>
  (await store.list(chunkPrefix(1))).reduce((sum, blob) => sum + blob.size, 0);

const root = await mkdtemp(path.join(values.dir!, 'kiln-bench-'));
try {
  console.log(
    `image ${sizeMib} MiB = ${chunkCount} chunks of ${CHUNK_SIZE / MIB} MiB; version 2 differs in ${changed.size} chunks`,
  );
  console.log(
    `${os.availableParallelism()} CPUs (${os.cpus()[0]?.model}), ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, node ${process.version}, dir ${root}`,
  );

  const files = [1, 2].map((version) => path.join(root, `image-v${version}.raw`));
  const regionNames = ['a', 'b', 'c', 'd'];
  const stores = createFsRegionStores(regionNames.map((name) => ({ name, dir: path.join(root, 'regions', name) })));
  const [a, ...others] = regionNames.map((name) => stores.get(name)!);
  const [, setupSeconds] = await timed(async () => {
    for (const [i, file] of files.entries()) {
      await writeImage(file, i + 1);
      // The sealed source blob, as a captured disk would be.
      await a.put(`images/v${i + 1}.raw`, createReadStream(file));
    }
  });
  console.log(
    `setup (write both image files, put them into region A as blobs): ${setupSeconds.toFixed(1)} s, not counted below\n`,
  );

  line(columns);
  line(widths.map((width, i) => (i === 0 ? '-'.repeat(width) : `${'-'.repeat(width - 1)}:`)));
  const copy = path.join(root, 'cp-copy.raw');
  [, cpSeconds] = await timed(() => execFileSync('cp', [files[0], copy]));
  print({ step: 'cp image file (baseline)', seconds: cpSeconds, moved: size, covered: size });
  // cp leaves its bytes in the page cache; the store fsyncs every chunk, so this is the fair twin.
  const [, syncSeconds] = await timed(() => execFileSync('sync', [copy]));
  print({ step: 'cp image file + sync', seconds: cpSeconds + syncSeconds, moved: size, covered: size });

  const totals: Row[] = [];
  for (const version of [1, 2]) {
    const rows: Row[] = [];
    const record = (row: Row) => {
      rows.push(row);
      print(row);
    };
    const before = await chunkBytes(a);
    const [manifest, ingestSeconds] = await timed(() => ingest(a, `images/v${version}.raw`));
    record({
      step: `v${version} ingest into A`,
      seconds: ingestSeconds,
      moved: (await chunkBytes(a)) - before,
      covered: size,
    });
    for (const [i, target] of others.entries()) {
      const [result, seconds] = await timed(() =>
        replicate({ store: a, replica: 1 }, { store: target, replica: 1 }, manifest),
      );
      record({
        step: `v${version} A → ${regionNames[i + 1].toUpperCase()} replica 1 (cross-region)`,
        seconds,
        moved: result.bytesMoved,
        covered: size,
      });
    }
    for (const [i, target] of others.entries()) {
      const [result, seconds] = await timed(() =>
        replicate({ store: target, replica: 1 }, { store: target, replica: 2 }, manifest),
      );
      record({
        step: `v${version} ${regionNames[i + 1].toUpperCase()} replica 1 → 2 (in-region)`,
        seconds,
        moved: result.bytesMoved,
        covered: size,
      });
    }
    const total = rows.reduce(
      (sum, row) => ({
        ...sum,
        seconds: sum.seconds + row.seconds,
        moved: sum.moved + row.moved,
        covered: sum.covered + row.covered,
      }),
      {
        step: `v${version} total`,
        seconds: 0,
        moved: 0,
        covered: 0,
      },
    );
    totals.push(total);
    print(total);
    if (version === 2) await verifyRead(others[2], manifest);
  }
  print(
    totals.reduce(
      (sum, row) => ({
        ...sum,
        seconds: sum.seconds + row.seconds,
        moved: sum.moved + row.moved,
        covered: sum.covered + row.covered,
      }),
      { step: 'total', seconds: 0, moved: 0, covered: 0 },
    ),
  );
  console.log(`\npeak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
} finally {
  await rm(root, { recursive: true, force: true });
}

/** Reads version 2 back from D's second replica and checks its content name, to show the last copy is whole. */
async function verifyRead(store: BlobStore, manifest: ChunkManifest): Promise<void> {
  const [sha, seconds] = await timed(async () => {
    // The content name (`core/content-id.ts`): the hash of the chunk hashes, as the manifest names it.
    const hash = contentHasher();
    for await (const part of readManifest(store, 2, manifest)) hash.update(part as Buffer);
    return hash.digest();
  });
  if (sha !== manifest.sha256)
    throw new Error(`version 2 read back from D replica 2 as ${sha}, not ${manifest.sha256}`);
  print({ step: 'check: read v2 from D replica 2, sha256', seconds, moved: 0, covered: size });
}
