/**
 * An image version's bytes as a list of content-addressed chunks. Each chunk is a sealed blob named
 * by its own sha256, so a chunk shared by two versions (or repeated inside one) is stored once per
 * replica, and "is it already there?" is a stat of its name.
 *
 * The list is kept as maximal runs of equal hashes (core/content-id.ts), so a manifest costs one
 * entry per run, not per chunk: an empty 32,767 GiB disk (8,388,352 zero chunks and a footer) is
 * two runs, and every walk over a manifest is O(runs).
 *
 * Every replica of a region is its own namespace in that region's store, as Azure keeps replicas in
 * separate storage accounts: `replicas/<n>/chunks/<sha256>`.
 */
import { toRuns, type ChunkRun } from '../../core/content-id.ts';

export interface ChunkManifest {
  /** Bytes of the whole image. */
  size: number;
  /** The whole image's content name (core/content-id.ts), as its store names the blob it was ingested from. */
  sha256: string;
  /** Every chunk but the last is exactly this long; the last holds the rest. */
  chunkSize: number;
  /** Hex sha256 of the chunks, in order, as maximal runs: consecutive equal hashes are one run. */
  runs: ChunkRun[];
}

/** The shape records written before runs hold: one hash per chunk. Read, never written. */
interface ChunkListManifest extends Omit<ChunkManifest, 'runs'> {
  chunks: string[];
}

/** A manifest as a version record holds it: either shape. */
export type StoredManifest = ChunkManifest | ChunkListManifest;

/** The manifest a record holds, as runs: how every reader takes a stored manifest. */
export function manifestOf(stored: StoredManifest): ChunkManifest {
  if ('runs' in stored) return stored;
  const { size, sha256, chunkSize, chunks } = stored;
  return { size, sha256, chunkSize, runs: toRuns(chunks) };
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Where replica `replica` keeps its chunks; `chunkKey` names start with it. */
export function chunkPrefix(replica: number): string {
  // Replica numbers name namespaces and count from 1, the primary, like Azure's replica count.
  if (!Number.isSafeInteger(replica) || replica < 1) throw new RangeError(`Invalid replica number ${replica}.`);
  return `replicas/${replica}/chunks/`;
}

export function chunkKey(replica: number, sha: string): string {
  // A manifest read back from storage is input: a malformed hash must not name some other blob.
  if (!SHA256_HEX.test(sha)) throw new RangeError(`Invalid chunk hash '${sha}'.`);
  return chunkPrefix(replica) + sha;
}

/** Throws unless the runs and the sizes agree, so offsets computed from them are right. */
export function checkManifest(manifest: ChunkManifest): void {
  const { size, chunkSize, runs } = manifest;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new RangeError(`Invalid chunk size ${chunkSize}.`);
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`Invalid image size ${size}.`);
  let count = 0;
  for (const { sha, count: length } of runs) {
    if (!Number.isSafeInteger(length) || length < 1) throw new RangeError(`Invalid run length ${length}.`);
    if (!SHA256_HEX.test(sha)) throw new RangeError(`Invalid chunk hash '${sha}'.`);
    count += length;
  }
  if (count !== Math.ceil(size / chunkSize)) {
    throw new RangeError(
      `A ${size}-byte image in ${chunkSize}-byte chunks has ${Math.ceil(size / chunkSize)} chunks, not ${count}.`,
    );
  }
}

/** Length of chunk `index`: the chunk size, except for a shorter last chunk. */
export function chunkLength(manifest: ChunkManifest, index: number): number {
  return Math.min(manifest.chunkSize, manifest.size - index * manifest.chunkSize);
}

/**
 * Where each run starts, as a chunk index, and then the chunk count: run `r` holds chunks
 * `starts[r]` to `starts[r + 1] - 1`.
 */
export function runStarts(manifest: ChunkManifest): number[] {
  const starts = [0];
  for (const run of manifest.runs) starts.push(starts[starts.length - 1] + run.count);
  return starts;
}

/** The run holding chunk `index` (within the image), by binary search over `starts` (runStarts). */
export function runHolding(starts: number[], index: number): number {
  if (!Number.isSafeInteger(index) || index < 0 || index >= starts[starts.length - 1])
    throw new RangeError(`Chunk ${index} is not in the image.`);
  // The last run starting at or before `index`: starts[low] <= index < starts[high].
  let low = 0;
  let high = starts.length - 1;
  while (high - low > 1) {
    const middle = (low + high) >>> 1;
    if (starts[middle] <= index) low = middle;
    else high = middle;
  }
  return low;
}

/** Every chunk hash the image uses, once each. */
export function distinctChunks(manifest: ChunkManifest): Set<string> {
  return new Set(manifest.runs.map((run) => run.sha));
}
