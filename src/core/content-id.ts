/**
 * How every region store names a blob's content (`BlobInfo.sha256`), computable from its chunks alone,
 * so a store that keeps a blob as content-addressed chunks never rereads it to seal or copy it, and a
 * 32 TiB disk of zeros is named in microseconds.
 *
 * - A blob of at most one chunk is named by the sha256 of its bytes: a chunk's name is its content's
 *   sha256, as a plain hash would be.
 * - A longer blob is named by the sha256 of a text listing its size, the chunk size and its chunks as
 *   maximal runs of equal hashes (`<sha256> <count>` per line), so repeated chunks, zeros above all,
 *   cost one line however many there are. Equal contents have equal names in every store.
 */
import { createHash } from 'node:crypto';

/** 4 MiB, Azure's page-blob write size: small enough that a few changed blocks move few bytes. */
export const CHUNK_SIZE = 4 * 1024 * 1024;

/** `count` consecutive chunks whose bytes hash to `sha`. */
export interface ChunkRun {
  sha: string;
  count: number;
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

const zeroHashes = new Map<number, string>();

/** The sha256 of `length` zero bytes (a chunk of a disk nobody wrote), computed once per length. */
export function zeroChunkSha(length: number): string {
  let sha = zeroHashes.get(length);
  if (sha === undefined) {
    sha = sha256(Buffer.alloc(length));
    zeroHashes.set(length, sha);
  }
  return sha;
}

/** The same chunks as maximal runs: consecutive equal hashes merged. */
export function toRuns(chunks: Iterable<string | ChunkRun>): ChunkRun[] {
  const runs: ChunkRun[] = [];
  for (const item of chunks) {
    const run = typeof item === 'string' ? { sha: item, count: 1 } : item;
    if (run.count === 0) continue;
    const last = runs[runs.length - 1];
    if (last?.sha === run.sha) last.count += run.count;
    else runs.push({ ...run });
  }
  return runs;
}

/** The content name of a blob of `size` bytes whose `CHUNK_SIZE` chunks hash, in order, to `chunks`. */
export function contentId(size: number, chunks: Iterable<string | ChunkRun>): string {
  const runs = toRuns(chunks);
  const count = runs.reduce((total, run) => total + run.count, 0);
  if (count !== Math.ceil(size / CHUNK_SIZE))
    throw new RangeError(`A ${size}-byte blob has ${Math.ceil(size / CHUNK_SIZE)} chunks, not ${count}.`);
  if (size === 0) return sha256('');
  if (size <= CHUNK_SIZE) return runs[0].sha;
  return sha256(`kiln-content-v1 ${size} ${CHUNK_SIZE}\n${runs.map((run) => `${run.sha} ${run.count}\n`).join('')}`);
}

/** Hashes a stream's bytes chunk by chunk as they pass, for `contentId` at its end. */
export function contentHasher() {
  const chunks: string[] = [];
  let current = createHash('sha256');
  let filled = 0;
  let size = 0;
  return {
    update(data: Buffer): void {
      for (let at = 0; at < data.length;) {
        const take = Math.min(data.length - at, CHUNK_SIZE - filled);
        current.update(data.subarray(at, at + take));
        filled += take;
        at += take;
        size += take;
        if (filled === CHUNK_SIZE) {
          chunks.push(current.digest('hex'));
          current = createHash('sha256');
          filled = 0;
        }
      }
    },
    /** The content name of everything passed so far; the hasher is done after. */
    digest(): string {
      if (filled > 0) chunks.push(current.digest('hex'));
      return contentId(size, chunks);
    },
  };
}

/** The chunk at `index` of `runs`; undefined past their end. */
export function chunkAt(runs: readonly ChunkRun[], index: number): string | undefined {
  let start = 0;
  for (const run of runs) {
    if (index < start + run.count) return index >= start ? run.sha : undefined;
    start += run.count;
  }
  return undefined;
}

/** `runs` with the chunks at the indexes of `replaced` named anew: a blob that differs from another in those chunks. */
export function replaceChunks(runs: readonly ChunkRun[], replaced: ReadonlyMap<number, string>): ChunkRun[] {
  const indexes = [...replaced.keys()].sort((a, b) => a - b);
  const result: ChunkRun[] = [];
  let start = 0;
  let next = 0;
  for (const run of runs) {
    let from = start;
    const end = start + run.count;
    for (; next < indexes.length && indexes[next] < end; next++) {
      const index = indexes[next];
      result.push({ sha: run.sha, count: index - from }, { sha: replaced.get(index)!, count: 1 });
      from = index + 1;
    }
    result.push({ sha: run.sha, count: end - from });
    start = end;
  }
  if (next < indexes.length) throw new RangeError(`Chunk ${indexes[next]} is past the last of ${start} chunks.`);
  return toRuns(result);
}
