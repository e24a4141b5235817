/**
 * One sealed blob copied into another region's store, moving only the chunks that region lacks: a
 * snapshot copied across regions (CopyStart) whose disk's base the target already holds moves only
 * what differs. Where both stores keep blobs as chunks, each distinct chunk of the source is adopted
 * in the target when the target holds its content anywhere (`BlobStore.adopt`), else streamed as
 * a ranged read of the source into a scratch blob, then the copy is assembled of them; otherwise the
 * blob streams whole. The copy's content name must equal the source's.
 *
 * Idempotent, as a job needs: a rerun finds the scratch chunks it landed (landChunk skips them) or
 * the finished copy, and the scratch blobs go once the copy is made (by the run that made it or a
 * rerun that finds it).
 */
import { ArmError } from '../../core/arm-error.ts';
import { CHUNK_SIZE, contentId, zeroChunkSha, type ChunkRun } from '../../core/content-id.ts';
import { taskPool } from '../../core/task-pool.ts';
import type { BlobInfo, BlobStore } from '../../ports/blob-store.ts';
import { landChunk } from './chunk-store.ts';
import { Transform, pipeline } from 'node:stream';

/** Chunks in flight at once, as replication has. */
const IN_FLIGHT = 4;

export interface TransferProgress {
  /** Bytes of the blob in place in the target, copied or found there. */
  bytesDone: number;
  bytesTotal: number;
  /** Bytes that crossed from one store to the other. */
  bytesMoved: number;
}

export interface TransferOptions {
  /** A key prefix of the target store, private to this copy, for its chunks until the copy is made. */
  scratch: string;
  /** Checked between chunks; what landed stays for a rerun. */
  signal?: AbortSignal;
  /** Called as chunks land, with counts that never decrease. */
  onProgress?: (progress: TransferProgress) => void;
}

export interface TransferResult {
  info: BlobInfo;
  bytesMoved: number;
  /** Distinct chunks the target held already as other content and took without a copy. */
  chunksAdopted: number;
}

/** Makes `toKey` of `to` a sealed copy of `fromKey` of `from`. */
export async function transferBlob(
  from: BlobStore,
  fromKey: string,
  to: BlobStore,
  toKey: string,
  options: TransferOptions,
): Promise<TransferResult> {
  const source = await from.stat(fromKey);
  if (source === undefined)
    throw new ArmError(404, 'BlobNotFound', `The source blob '${fromKey}' in region '${from.region}' does not exist.`);
  const progress: TransferProgress = { bytesDone: 0, bytesTotal: source.size, bytesMoved: 0 };
  const existing = await to.stat(toKey);
  // A rerun after a crash may find the copy made, and scratch chunks its first run had no time to remove.
  const made = existing?.sha256 === source.sha256 ? existing : undefined;
  if (existing !== undefined && made === undefined) await to.delete(toKey);
  const runs = from === to || made ? undefined : await from.chunks(fromKey);
  const result = made
    ? { info: made, bytesMoved: 0, chunksAdopted: 0 }
    : from === to
      ? { info: await to.copy(fromKey, toKey), bytesMoved: 0, chunksAdopted: 0 }
      : runs !== undefined && (await keepsChunks(to, options.scratch))
        ? await transferChunks(from, source, runs, to, toKey, progress, options)
        : await transferWhole(from, source, to, toKey, progress, options);
  for (const chunk of await to.list(options.scratch)) await to.delete(chunk.key);
  if (result.info.sha256 !== source.sha256) {
    await to.delete(toKey);
    throw new Error(
      `The copy of '${fromKey}' was sealed in region '${to.region}' as ${result.info.sha256}, not the source's ${source.sha256}; it was removed.`,
    );
  }
  options.onProgress?.({ ...progress, bytesDone: source.size });
  return result;
}

/**
 * Whether `store` keeps blobs as chunks it can adopt and assemble: every such store adopts a chunk of
 * zeros (`BlobStore.adopt`), one keeping whole blobs adopts nothing.
 */
async function keepsChunks(store: BlobStore, scratch: string): Promise<boolean> {
  const probe = `${scratch}zeros`;
  await store.delete(probe);
  const adopted = await store.adopt(probe, zeroChunkSha(CHUNK_SIZE));
  if (adopted === undefined) return false;
  await store.delete(probe);
  return true;
}

/** Each distinct chunk adopted or streamed into a scratch blob, then the copy assembled of them. */
async function transferChunks(
  from: BlobStore,
  source: BlobInfo,
  runs: ChunkRun[],
  to: BlobStore,
  toKey: string,
  progress: TransferProgress,
  { scratch, signal, onProgress }: TransferOptions,
): Promise<TransferResult> {
  const { size } = source;
  if (contentId(size, runs) !== source.sha256)
    throw new Error(`The blob '${source.key}' listed chunks of other content than it was sealed with.`);
  // Zeros need no chunk: a store assembles them from nothing.
  const zeros = new Set([zeroChunkSha(CHUNK_SIZE), zeroChunkSha(size % CHUNK_SIZE || CHUNK_SIZE)]);
  const distinct = new Map<string, { first: number; covers: number }>();
  let index = 0;
  for (const { sha, count } of runs) {
    const covers = Math.min(size, (index + count) * CHUNK_SIZE) - index * CHUNK_SIZE;
    const entry = distinct.get(sha);
    if (entry === undefined) distinct.set(sha, { first: index, covers });
    else entry.covers += covers;
    index += count;
  }
  let chunksAdopted = 0;
  const pool = taskPool(IN_FLIGHT);
  try {
    for (const [sha, { first, covers }] of distinct) {
      signal?.throwIfAborted();
      if (zeros.has(sha)) {
        progress.bytesDone += covers;
        continue;
      }
      const key = `${scratch}${sha}`;
      const range = { start: first * CHUNK_SIZE, end: Math.min(size, (first + 1) * CHUNK_SIZE) - 1 };
      await pool.add(async () => {
        let adopted = false;
        const landed = await landChunk(to, key, sha, async () => {
          const held = await to.adopt(key, sha);
          adopted = held !== undefined;
          return held ?? to.put(key, from.read(source.key, range));
        });
        if (adopted) chunksAdopted += 1;
        else if (landed) progress.bytesMoved += range.end - range.start + 1;
        progress.bytesDone += covers;
        onProgress?.({ ...progress });
      });
    }
  } finally {
    await pool.idle();
  }
  pool.throwIfFailed();
  const info = await to.assemble(toKey, size, runs);
  if (info === undefined)
    throw new Error(`A chunk of '${source.key}' left region '${to.region}' before its copy was assembled.`);
  return { info, bytesMoved: progress.bytesMoved, chunksAdopted };
}

/** The blob read and put whole, its progress counted as it streams. */
async function transferWhole(
  from: BlobStore,
  source: BlobInfo,
  to: BlobStore,
  toKey: string,
  progress: TransferProgress,
  { onProgress }: TransferOptions,
): Promise<TransferResult> {
  const counted = new Transform({
    transform(piece: Buffer, _encoding, done) {
      progress.bytesDone += piece.length;
      progress.bytesMoved += piece.length;
      onProgress?.({ ...progress });
      done(null, piece);
    },
  });
  // A failed read fails the put (pipeline destroys `counted` with its error).
  const info = await to.put(
    toKey,
    pipeline(from.read(source.key), counted, () => {}),
  );
  return { info, bytesMoved: progress.bytesMoved, chunksAdopted: 0 };
}
