/**
 * What the folder store writes about each blob (fs-blob-store.ts has the layout), how a blob's bytes
 * fall into chunks, and the one way any of its files is written: whole, fsynced, then put in place
 * by a link (exclusive) or a rename (replacing), each atomic, so a reader or a crash sees the old
 * file or the new one, never part of one.
 */
import { createHash } from 'node:crypto';
import { link, readFile, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { CHUNK_SIZE, zeroChunkSha, type ChunkRun } from '../core/content-id.ts';
import type { BlobInfo, ByteRange } from '../ports/blob-store.ts';
import { isCode } from './store-error.ts';
import { writeSyncedFile } from './sync-directory.ts';

/** A sealed blob: `index/<hashName(key)>`. */
export interface SealedRecord {
  key: string;
  size: number;
  /** The content name (core/content-id.ts). */
  sha256: string;
  /** Every chunk in order, zero chunks too (by their hash; they have no file). */
  runs: ChunkRun[];
  lastModified: string;
  /** The staging blob this one was sealed from: a staging record left with that id is the seal's leftover. */
  sealedFrom?: string;
}

/** A staging blob: `.staging/<hashName(key)>`. */
export interface StagingRecord {
  /** Absent for uploads migrated from an older Kiln, whose staging files did not record it. */
  key?: string;
  /** Names this staging blob apart from a later one under the same key. */
  id: string;
  size: number;
  /** The hash of each chunk written with something other than zeros, by chunk index; the others are zeros. */
  written: Record<string, string>;
}

export const DIR_MODE = 0o700;

/** Record file names are hashes, so keys need no escaping and both `a` and `a/b` can exist. */
export const hashName = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

export const chunkCount = (size: number): number => Math.ceil(size / CHUNK_SIZE);

/** Bytes in chunk `index` of a blob of `size` bytes: CHUNK_SIZE but for a shorter last chunk. */
export const chunkLength = (size: number, index: number): number => Math.min(CHUNK_SIZE, size - index * CHUNK_SIZE);

/**
 * The chunks of a blob of `size` bytes that hold exactly the bytes of `range` (within the blob), as
 * runs, when the range falls on chunk boundaries; undefined when it cuts a chunk.
 */
export function runsOfRange(runs: ChunkRun[], size: number, range: ByteRange): ChunkRun[] | undefined {
  const end = range.end + 1;
  if (range.start % CHUNK_SIZE !== 0 || (end % CHUNK_SIZE !== 0 && end !== size)) return undefined;
  const first = range.start / CHUNK_SIZE;
  const last = chunkCount(end);
  const taken: ChunkRun[] = [];
  let next = 0;
  for (const run of runs) {
    const from = Math.max(next, first);
    const to = Math.min(next + run.count, last);
    if (from < to) taken.push({ sha: run.sha, count: to - from });
    next += run.count;
    if (next >= last) break;
  }
  return taken;
}

/** The hashes a blob of `size` bytes gives its zero chunks (a full one, and a shorter last one). */
function zeroShas(size: number): Set<string> {
  const count = chunkCount(size);
  return new Set([zeroChunkSha(CHUNK_SIZE), ...(count > 0 ? [zeroChunkSha(chunkLength(size, count - 1))] : [])]);
}

/** The chunks of a sealed blob that have files: each once, zero chunks left out. */
export function storedChunks(record: Pick<SealedRecord, 'size' | 'runs'>): Set<string> {
  const zeros = zeroShas(record.size);
  return new Set(record.runs.filter((run) => !zeros.has(run.sha)).map((run) => run.sha));
}

/** Chunk by index of a sealed blob: its hash, or undefined for zeros. */
export function chunkFinder(record: Pick<SealedRecord, 'size' | 'runs'>): (index: number) => string | undefined {
  const zeros = zeroShas(record.size);
  const starts: number[] = [];
  let next = 0;
  for (const run of record.runs) {
    starts.push(next);
    next += run.count;
  }
  return (index) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (starts[middle] <= index) low = middle;
      else high = middle - 1;
    }
    const sha = record.runs[low].sha;
    return zeros.has(sha) ? undefined : sha;
  };
}

export const toInfo = (record: SealedRecord): BlobInfo => ({
  key: record.key,
  size: record.size,
  sha256: record.sha256,
  lastModified: new Date(record.lastModified),
});

/**
 * Writes `data` at `target` through the temp file `tmp`: exclusively (fails with EEXIST when
 * `target` exists) or replacing it. The caller syncs `target`'s directory to make it durable.
 */
export async function placeFile(tmp: string, target: string, data: string | Buffer, exclusive: boolean): Promise<void> {
  try {
    await writeSyncedFile(tmp, data);
    if (exclusive) await link(tmp, target);
    else await rename(tmp, target);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** A record file's JSON, or undefined when there is no such file. */
export async function readRecordFile<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    if (isCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

/** Every record in `dir` with its file name, read a batch at a time (a store may hold many thousands). */
export async function readRecordsIn<T>(dir: string): Promise<Array<{ name: string; record: T }>> {
  const names = await readdir(dir);
  const found: Array<{ name: string; record: T }> = [];
  for (let at = 0; at < names.length; at += 64) {
    const batch = names.slice(at, at + 64);
    const records = await Promise.all(batch.map((name) => readRecordFile<T>(path.join(dir, name))));
    records.forEach((record, i) => record !== undefined && found.push({ name: batch[i], record }));
  }
  return found;
}
