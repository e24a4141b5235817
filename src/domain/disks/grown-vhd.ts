/**
 * A disk's fixed VHD grown to a larger size, as a new sealed blob beside the old one: the old data,
 * zeros up to the new size, and the footer of the new size. Where the store keeps blobs as chunks,
 * the new blob is assembled (`BlobStore.assemble`) of the old data's chunks, zero chunks, which cost
 * nothing, and the footer: only the footer and, when the old data ends inside a chunk, that one chunk
 * are written, however large the disk. Elsewhere the old data is copied through a staging blob.
 */
import { CHUNK_SIZE, zeroChunkSha, type ChunkRun } from '../../core/content-id.ts';
import { VHD_FOOTER_SIZE, createFixedVhdFooter } from '../../core/vhd.ts';
import type { BlobInfo, BlobStore } from '../../ports/blob-store.ts';
import { readAll } from './disk-source.ts';
import { stagedVhd } from './fill.ts';

/** The sealed VHD `from` (of `fromData` data bytes) as the sealed VHD `to` of `toData` data bytes; a rerun finds `to` made. */
export async function growVhd(
  store: BlobStore,
  from: string,
  fromData: number,
  to: string,
  toData: number,
): Promise<BlobInfo> {
  if (toData <= fromData) throw new RangeError(`A VHD of ${fromData} data bytes cannot grow to ${toData}.`);
  const existing = await store.stat(to);
  if (existing?.size === toData + VHD_FOOTER_SIZE) return existing;
  if (existing) await store.delete(to);
  return (
    (await assembled(store, from, fromData, to, toData)) ??
    stagedVhd(store, to, toData, async () => store.read(from, { start: 0, end: fromData - 1 }))
  );
}

async function assembled(
  store: BlobStore,
  from: string,
  fromData: number,
  to: string,
  toData: number,
): Promise<BlobInfo | undefined> {
  const runs = toData % CHUNK_SIZE === 0 ? await store.chunks(from) : undefined;
  if (!runs) return undefined;
  const whole = Math.floor(fromData / CHUNK_SIZE);
  const tail = fromData % CHUNK_SIZE;
  // The chunks to write are put as blobs of their own first, so the store holds their content.
  const parts: string[] = [];
  const hold = async (name: string, bytes: Buffer) => {
    const part = `${to}.${name}`;
    await store.delete(part);
    parts.push(part);
    return { sha: (await store.put(part, bytes)).sha256, count: 1 };
  };
  try {
    const written: ChunkRun[] = [];
    if (tail > 0) {
      // The chunk the old data ends in: its last bytes, then zeros.
      const chunk = Buffer.alloc(CHUNK_SIZE);
      (await readAll(store.read(from, { start: whole * CHUNK_SIZE, end: fromData - 1 }))).copy(chunk);
      written.push(await hold('tail', chunk));
    }
    const zeros = { sha: zeroChunkSha(CHUNK_SIZE), count: toData / CHUNK_SIZE - whole - written.length };
    const footer = await hold('footer', createFixedVhdFooter(toData));
    return await store.assemble(to, toData + VHD_FOOTER_SIZE, [...firstChunks(runs, whole), ...written, zeros, footer]);
  } finally {
    await Promise.all(parts.map((part) => store.delete(part)));
  }
}

/** The runs of a blob's first `count` chunks. */
function firstChunks(runs: readonly ChunkRun[], count: number): ChunkRun[] {
  const taken: ChunkRun[] = [];
  let left = count;
  for (const run of runs) {
    if (left === 0) break;
    taken.push({ sha: run.sha, count: Math.min(run.count, left) });
    left -= taken[taken.length - 1].count;
  }
  return taken;
}
