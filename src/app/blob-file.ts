/**
 * A sealed blob written out as a local file a user may boot or change, sparse, so a disk's unwritten
 * space costs no blocks: copied by the kernel from a store of local files (`BlobStore.writeToFile`),
 * else streamed from the store (imaging/disk/sparse-file.ts), memory flat however big it is (a chunk
 * at a time), and where the store lists the blob's chunks, zero chunks are not even read. The file
 * is 0644: the user's own, not a store's.
 */
import { chmod } from 'node:fs/promises';
import { buffer } from 'node:stream/consumers';
import { writeSparseFile, writeSparsePieces } from '../imaging/disk/sparse-file.ts';
import { CHUNK_SIZE, zeroChunkSha, type ChunkRun } from '../core/content-id.ts';
import { VHD_FOOTER_SIZE } from '../core/vhd.ts';
import type { BlobStore } from '../ports/blob-store.ts';

/** How a disk's VHD blob is written out: as the fixed VHD it is, or raw (its bytes without the 512-byte footer). */
export type DiskFileFormat = 'vhd' | 'raw';

/** Writes blob `key` of `store` to `path` (replacing it) as `format`, leaving holes where the blob holds zeros. */
export async function writeBlobFile(
  store: BlobStore,
  key: string,
  path: string,
  format: DiskFileFormat,
): Promise<void> {
  const info = await store.stat(key);
  if (!info) throw new Error(`The blob '${key}' in region '${store.region}' is gone.`);
  const end = format === 'raw' ? info.size - VHD_FOOTER_SIZE : info.size;
  if (store.writeToFile) await store.writeToFile(key, path, end);
  else {
    const runs = await store.chunks(key);
    if (runs) await writeSparsePieces(nonZeroChunks(store, key, runs, end), path, () => end);
    else await writeSparseFile(store.read(key, format === 'raw' ? { start: 0, end: end - 1 } : undefined), path);
  }
  await chmod(path, 0o644);
}

/** The blob's chunks up to `end` that are not all zeros, each read whole: zero chunks, known from the list, are never read. */
async function* nonZeroChunks(
  store: BlobStore,
  key: string,
  runs: readonly ChunkRun[],
  end: number,
): AsyncGenerator<{ at: number; data: Buffer }> {
  let index = 0;
  for (const { sha, count } of runs) {
    const zeros = sha === zeroChunkSha(CHUNK_SIZE);
    for (let n = 0; n < count && !zeros; n++) {
      const at = (index + n) * CHUNK_SIZE;
      if (at >= end) return;
      yield { at, data: await buffer(store.read(key, { start: at, end: Math.min(at + CHUNK_SIZE, end) - 1 })) };
    }
    index += count;
  }
}
