/**
 * Image bytes kept as content-addressed chunks (see chunk-manifest.ts), so replicating a version
 * moves only the chunks a region does not hold yet, as a version or as any other content there (a
 * region that holds the base image moves only what a build changed): a version that differs from a
 * replicated one in 1% of its chunks moves about 1% of its bytes.
 *
 * Trust rests on names: a chunk counts as present only when the store's recorded sha256 (computed
 * from the bytes when it was sealed) equals the hash in its name. Anything else under that name, a
 * tampered or damaged blob, is treated as missing and replaced, and a chunk whose sealed hash is not
 * its name is deleted again before the operation fails. That makes every operation idempotent: a
 * rerun after a crash or an abort skips what is already in place.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ArmError } from '../../core/arm-error.ts';
import { taskPool } from '../../core/task-pool.ts';
import { CHUNK_SIZE, chunkAt, contentHasher, contentId, toRuns, type ChunkRun } from '../../core/content-id.ts';
import type { BlobInfo, BlobStore, ByteRange } from '../../ports/blob-store.ts';
import {
  checkManifest,
  chunkKey,
  chunkLength,
  chunkPrefix,
  distinctChunks,
  runHolding,
  runStarts,
  type ChunkManifest,
} from './chunk-manifest.ts';

/** Chunks written at once: overlaps one chunk's transfer with another's fsync, and bounds memory. */
const IN_FLIGHT = 4;
/**
 * Chunks replicated at once into a store that copies from its own kind (`copyFrom`: the kernel
 * copies, a worker hashes, no chunk passes through this process's memory): more fsyncs in flight
 * share the file system's journal commits. Where `copyFrom` declines, each holds a streamed put.
 */
const COPY_IN_FLIGHT = 16;

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/**
 * Makes `key` hold the chunk `sha` unless it already does, with `write` sealing it. Returns whether
 * it wrote.
 */
export async function landChunk(
  store: BlobStore,
  key: string,
  sha: string,
  write: () => Promise<BlobInfo>,
): Promise<boolean> {
  const existing = await store.stat(key);
  if (existing?.sha256 === sha) return false;
  // Sealed blobs are not overwritten in place by copy, so the wrong content goes first.
  if (existing !== undefined) await store.delete(key);
  let landed: BlobInfo;
  try {
    landed = await write();
  } catch (error) {
    // Another ingest or replication of a version sharing this chunk may have sealed it first.
    const now = await store.stat(key).catch(() => undefined);
    if (now?.sha256 === sha) return false;
    throw error;
  }
  if (landed.sha256 !== sha) {
    await store.delete(key);
    throw new Error(
      `Chunk ${sha} was sealed in region '${store.region}' with sha256 ${landed.sha256}; it was removed.`,
    );
  }
  return true;
}

export interface IngestOptions {
  /** Replica namespace to store the chunks in; 1, the primary, unless told. */
  replica?: number;
  chunkSize?: number;
  /** Checked between chunks; chunks already written stay, for a rerun to reuse. */
  signal?: AbortSignal;
}

/**
 * Splits the sealed blob `sourceKey` into chunks stored in the same region and returns its manifest.
 * Where the store keeps the blob as chunks of the manifest's size (`BlobStore.chunks`), the manifest
 * is its chunk list and each distinct chunk is a ranged copy of the blob, with no byte read (a
 * gallery version made by a build needs no second pass over it); otherwise the blob is read once,
 * front to back, holding at most a few chunks in memory. Either way the manifest is built as runs,
 * never one entry per chunk.
 */
export async function ingest(store: BlobStore, sourceKey: string, options: IngestOptions = {}): Promise<ChunkManifest> {
  const { replica = 1, chunkSize = CHUNK_SIZE, signal } = options;
  chunkPrefix(replica);
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new RangeError(`Invalid chunk size ${chunkSize}.`);
  signal?.throwIfAborted();
  const source = await store.stat(sourceKey);
  // Final, like copyBlob's: retrying cannot make the source appear.
  if (source === undefined)
    throw new ArmError(
      404,
      'BlobNotFound',
      `The source blob '${sourceKey}' in region '${store.region}' does not exist.`,
    );
  const runs = chunkSize === CHUNK_SIZE ? await store.chunks(sourceKey) : undefined;
  return runs === undefined
    ? ingestRead(store, source, replica, chunkSize, signal)
    : ingestRuns(store, source, runs, replica, signal);
}

/** Fails unless `manifest` names the content `source` was sealed with: the key was replaced since its stat. */
function checkSource(source: BlobInfo, manifest: ChunkManifest, how: string): void {
  if (manifest.size !== source.size || manifest.sha256 !== source.sha256) {
    throw new Error(
      `The blob '${source.key}' ${how} as ${manifest.size} bytes named ${manifest.sha256}, not the ${source.size} bytes named ${source.sha256} it was sealed with.`,
    );
  }
}

/** The manifest of `source`, whose store lists its chunks as `runs`, each distinct chunk copied out of it. */
async function ingestRuns(
  store: BlobStore,
  source: BlobInfo,
  runs: ChunkRun[],
  replica: number,
  signal: AbortSignal | undefined,
): Promise<ChunkManifest> {
  const { key: sourceKey, size } = source;
  const manifest: ChunkManifest = { size, sha256: contentId(size, runs), chunkSize: CHUNK_SIZE, runs: toRuns(runs) };
  // Before any chunk lands: the runs of a blob that replaced the one stat saw are not copied.
  checkSource(source, manifest, 'listed its chunks');
  const seen = new Set<string>();
  const pool = taskPool(IN_FLIGHT);
  try {
    let next = 0;
    for (const { sha, count } of manifest.runs) {
      const index = next;
      next += count;
      if (seen.has(sha)) continue;
      seen.add(sha);
      signal?.throwIfAborted();
      // The chunk's first place in the blob: the store shares its storage rather than moving bytes.
      const range = { start: index * CHUNK_SIZE, end: Math.min(size, (index + 1) * CHUNK_SIZE) - 1 };
      const key = chunkKey(replica, sha);
      await pool.add(async () => {
        await landChunk(store, key, sha, () => store.copy(sourceKey, key, range));
      });
    }
  } finally {
    await pool.idle();
  }
  pool.throwIfFailed();
  return manifest;
}

/** The manifest of `source` as read, its chunks put as they are cut. */
async function ingestRead(
  store: BlobStore,
  source: BlobInfo,
  replica: number,
  chunkSize: number,
  signal: AbortSignal | undefined,
): Promise<ChunkManifest> {
  const whole = contentHasher();
  const runs: ChunkRun[] = [];
  // A chunk repeated within the blob (zeroed space, mostly) is written once.
  const seen = new Set<string>();
  const pool = taskPool(IN_FLIGHT);
  let size = 0;
  let chunk = Buffer.allocUnsafe(chunkSize);
  let filled = 0;

  const storeChunk = async (): Promise<void> => {
    signal?.throwIfAborted();
    const data = chunk.subarray(0, filled);
    // A fresh buffer, as `data` stays referenced until its write finishes.
    chunk = Buffer.allocUnsafe(chunkSize);
    filled = 0;
    const sha = sha256(data);
    const last = runs[runs.length - 1];
    if (last?.sha === sha) last.count += 1;
    else runs.push({ sha, count: 1 });
    if (seen.has(sha)) return;
    seen.add(sha);
    const key = chunkKey(replica, sha);
    await pool.add(async () => {
      await landChunk(store, key, sha, () => store.put(key, data));
    });
  };

  try {
    for await (const piece of store.read(source.key) as AsyncIterable<Buffer>) {
      whole.update(piece);
      size += piece.length;
      for (let at = 0; at < piece.length;) {
        const taken = piece.copy(chunk, filled, at, Math.min(piece.length, at + chunkSize - filled));
        filled += taken;
        at += taken;
        if (filled === chunkSize) await storeChunk();
      }
    }
    if (filled > 0) await storeChunk();
  } finally {
    await pool.idle();
  }
  pool.throwIfFailed();
  const manifest: ChunkManifest = { size, sha256: whole.digest(), chunkSize, runs };
  // The chunks of a blob replaced while it was read stay for GC to judge.
  checkSource(source, manifest, 'read');
  return manifest;
}

export interface ReplicaLocation {
  store: BlobStore;
  replica: number;
}

export interface ReplicationProgress {
  /** Bytes of the image whose chunks are in place, copied or found there. */
  bytesDone: number;
  /** The image size: `bytesDone` ends here. */
  bytesTotal: number;
  /** Bytes of the chunks copied so far. */
  bytesMoved: number;
  chunksCopied: number;
}

export interface ReplicationOptions {
  /** Checked between chunks; chunks already copied stay, and a rerun skips them. */
  signal?: AbortSignal;
  /** Called after each distinct chunk, with counts that never decrease. */
  onProgress?: (progress: ReplicationProgress) => void;
  /**
   * An image the target region holds that this one probably differs little from (an earlier version
   * of the same definition): each chunk crossing is put like that image's chunk at its place, so a
   * store keeping chunks writes only the blocks that differ.
   */
  like?: ChunkManifest;
}

export interface ReplicationResult {
  /** Bytes of the chunks copied; within one store a copy may share storage instead. */
  bytesMoved: number;
  chunksCopied: number;
  /** Distinct chunks the target already held. */
  chunksSkipped: number;
  /** Distinct chunks the target region held as other content (a disk, an image, zeros) and took without a copy. */
  chunksAdopted: number;
}

/**
 * Makes `to` hold every chunk of `manifest`, copying from `from` only the ones it lacks. Between
 * regions a chunk whose content the target store already holds in any blob is adopted there
 * (`BlobStore.adopt`: no bytes move), and only the rest stream from one store into the other;
 * between replicas of one store it is `copy`, which shares storage where the store can, so a region's
 * further replicas are filled from its primary without crossing regions again.
 */
export async function replicate(
  from: ReplicaLocation,
  to: ReplicaLocation,
  manifest: ChunkManifest,
  options: ReplicationOptions = {},
): Promise<ReplicationResult> {
  checkManifest(manifest);
  const { signal, onProgress, like } = options;
  // Each distinct chunk is copied once but covers every place it occurs in the image.
  const distinct = new Map<string, { length: number; covers: number; first: number }>();
  const starts = runStarts(manifest);
  manifest.runs.forEach(({ sha }, run) => {
    const [first, next] = [starts[run], starts[run + 1]];
    const covers = Math.min(manifest.size, next * manifest.chunkSize) - first * manifest.chunkSize;
    const entry = distinct.get(sha);
    if (entry === undefined) distinct.set(sha, { length: chunkLength(manifest, first), covers, first });
    else entry.covers += covers;
  });
  /** The `like` image's chunk at `index`, as put's hint. */
  const likeAt = (index: number) => {
    const sha = like && chunkAt(like.runs, index);
    return sha === undefined ? undefined : { like: [{ sha, count: 1 }] };
  };

  const progress: ReplicationProgress = { bytesDone: 0, bytesTotal: manifest.size, bytesMoved: 0, chunksCopied: 0 };
  let chunksSkipped = 0;
  let chunksAdopted = 0;
  const pool = taskPool(to.store.copyFrom === undefined ? IN_FLIGHT : COPY_IN_FLIGHT);
  try {
    for (const [sha, { length, covers, first }] of distinct) {
      signal?.throwIfAborted();
      const source = chunkKey(from.replica, sha);
      const target = chunkKey(to.replica, sha);
      let adopted = false;
      // Across regions, content the target region holds already (a disk, an image, zeros) is taken
      // there without moving its bytes; only what it lacks streams across.
      const write =
        from.store === to.store
          ? () => to.store.copy(source, target)
          : async () => {
              const held = await to.store.adopt(target, sha);
              adopted = held !== undefined;
              const hint = likeAt(first);
              return (
                held ??
                (await to.store.copyFrom?.(from.store, source, target, hint)) ??
                to.store.put(target, from.store.read(source), hint)
              );
            };
      await pool.add(async () => {
        if (!(await landChunk(to.store, target, sha, write))) {
          chunksSkipped += 1;
        } else if (adopted) {
          chunksAdopted += 1;
        } else {
          progress.bytesMoved += length;
          progress.chunksCopied += 1;
        }
        progress.bytesDone += covers;
        onProgress?.({ ...progress });
      });
    }
  } finally {
    await pool.idle();
  }
  pool.throwIfFailed();
  return { bytesMoved: progress.bytesMoved, chunksCopied: progress.chunksCopied, chunksSkipped, chunksAdopted };
}

/**
 * The distinct chunks of `manifest` that `replica` lacks or holds with other content, in image
 * order; empty when the replica can serve the image. Compares recorded hashes; it does not reread
 * the bytes.
 */
export async function verifyReplica(store: BlobStore, replica: number, manifest: ChunkManifest): Promise<string[]> {
  checkManifest(manifest);
  const bad: string[] = [];
  // One stat at a time: an image of many thousand chunks must not open as many files at once.
  for (const sha of distinctChunks(manifest)) {
    if ((await store.stat(chunkKey(replica, sha)))?.sha256 !== sha) bad.push(sha);
  }
  return bad;
}

/**
 * The image's bytes, or those of `range` (inclusive, clipped to the image like a blob read), read
 * chunk by chunk from `replica`. A missing chunk fails the stream.
 */
export function readManifest(store: BlobStore, replica: number, manifest: ChunkManifest, range?: ByteRange): Readable {
  checkManifest(manifest);
  chunkPrefix(replica);
  if (
    range !== undefined &&
    (!Number.isSafeInteger(range.start) ||
      !Number.isSafeInteger(range.end) ||
      range.start < 0 ||
      range.end < range.start)
  ) {
    throw new RangeError(`Invalid byte range ${range.start}-${range.end}.`);
  }
  const start = range?.start ?? 0;
  const end = Math.min(range?.end ?? Infinity, manifest.size - 1);
  const { chunkSize, runs } = manifest;
  const starts = runStarts(manifest);
  async function* bytes(): AsyncGenerator<Buffer> {
    if (start > end) return;
    const first = Math.floor(start / chunkSize);
    // Found once, then followed: a range late in a long image skips its earlier runs unread.
    let run = runHolding(starts, first);
    for (let index = first; index * chunkSize <= end; index += 1) {
      if (index === starts[run + 1]) run += 1;
      const offset = index * chunkSize;
      const within = {
        start: Math.max(start, offset) - offset,
        end: Math.min(end, offset + chunkLength(manifest, index) - 1) - offset,
      };
      yield* store.read(chunkKey(replica, runs[run].sha), within) as AsyncIterable<Buffer>;
    }
  }
  return Readable.from(bytes(), { objectMode: false });
}

/**
 * Makes `key` of `store` a sealed blob of the image `manifest` names, whose chunks `replica` of that
 * store holds: assembled of them where the store can (`BlobStore.assemble`: no byte moves), else read
 * from the replica chunk by chunk into a put. A blob already there with the image's content stays, so
 * a rerun after a crash is done at once.
 */
export async function materialize(
  store: BlobStore,
  replica: number,
  manifest: ChunkManifest,
  key: string,
): Promise<BlobInfo> {
  checkManifest(manifest);
  const existing = await store.stat(key);
  if (existing?.sha256 === manifest.sha256) return existing;
  if (existing !== undefined) await store.delete(key);
  const made =
    (manifest.chunkSize === CHUNK_SIZE ? await store.assemble(key, manifest.size, manifest.runs) : undefined) ??
    (await store.put(key, readManifest(store, replica, manifest)));
  if (made.sha256 !== manifest.sha256) {
    await store.delete(key);
    throw new Error(
      `The blob '${key}' was made in region '${store.region}' with content ${made.sha256}, not the manifest's ${manifest.sha256}; it was removed.`,
    );
  }
  return made;
}

/**
 * Deletes the chunks of `replica` whose hash is not in `referenced`, which the caller builds from
 * every live manifest. It must not run while an ingest or replication into this replica is under
 * way: those skip chunks they find present and count on them staying. `bytesFreed` counts each chunk
 * in full, though a store may share its storage with the same chunk in another replica.
 */
export async function collectGarbage(
  store: BlobStore,
  replica: number,
  referenced: Set<string>,
): Promise<{ deleted: number; bytesFreed: number }> {
  const prefix = chunkPrefix(replica);
  let deleted = 0;
  let bytesFreed = 0;
  for (const blob of await store.list(prefix)) {
    if (referenced.has(blob.key.slice(prefix.length))) continue;
    await store.delete(blob.key);
    deleted += 1;
    bytesFreed += blob.size;
  }
  return { deleted, bytesFreed };
}
