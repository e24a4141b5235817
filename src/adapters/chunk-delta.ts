/**
 * A chunk kept as the blocks where it differs from another chunk of the same length, its base, or
 * from zeros: what a build's changed chunk (a 10 MiB change touches a dozen 4 MiB chunks, a few
 * hundred of their 4 KiB blocks) or a disk's small write costs on disk, instead of whole chunks.
 *
 * Format, little-endian: the magic `KCD1`, the chunk's length (u32), the number of blocks kept
 * (u32), their indexes (u32 each, ascending), then their bytes, each DELTA_BLOCK long but the
 * chunk's last, which ends with the chunk. A delta is only ever made when it is at most half the
 * chunk: past that a whole chunk costs little more and reads without its base.
 *
 * The files are the store's own, but a damaged one must fail a read, never yield other bytes than
 * it names: `readDeltaIndex` checks the header against the file's size.
 */
import type { FileHandle } from 'node:fs/promises';

/** The unit of a delta: a page, the size file systems and guests write in. */
export const DELTA_BLOCK = 4096;
const MAGIC = 0x3144434b; // 'KCD1' read as a little-endian u32
const HEADER = 12;
const ZEROS = Buffer.alloc(DELTA_BLOCK);

/** The blocks of `data` that differ from `base` (zeros when undefined), as a delta; undefined when a delta would not pay. */
export function encodeDelta(data: Buffer, base: Buffer | undefined): Buffer | undefined {
  const length = data.length;
  if (base !== undefined && base.length !== length) return undefined;
  const changed: number[] = [];
  for (let start = 0, index = 0; start < length; start += DELTA_BLOCK, index += 1) {
    const end = Math.min(length, start + DELTA_BLOCK);
    const against = base === undefined ? ZEROS.subarray(0, end - start) : base.subarray(start, end);
    if (data.subarray(start, end).equals(against)) continue;
    changed.push(index);
    if (changed.length * DELTA_BLOCK * 2 > length) return undefined;
  }
  const header = Buffer.alloc(HEADER + 4 * changed.length);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(length, 4);
  header.writeUInt32LE(changed.length, 8);
  changed.forEach((index, at) => header.writeUInt32LE(index, HEADER + 4 * at));
  const blocks = changed.map((index) => data.subarray(index * DELTA_BLOCK, (index + 1) * DELTA_BLOCK));
  return Buffer.concat([header, ...blocks]);
}

/** Where a delta file keeps each of its blocks, read from its header. */
export interface DeltaIndex {
  /** The chunk's length. */
  length: number;
  /** Block indexes, ascending. */
  blocks: number[];
  /** The file offset of the bytes of `blocks[i]`. */
  offsetOf(i: number): number;
}

/** Reads and checks a delta file's header; `size` is the file's size. */
export async function readDeltaIndex(handle: FileHandle, size: number, name: string): Promise<DeltaIndex> {
  const bad = (why: string) => new Error(`The chunk delta ${name} is damaged: ${why}.`);
  const head = Buffer.alloc(HEADER);
  if (size < HEADER || (await handle.read(head, 0, HEADER, 0)).bytesRead !== HEADER) throw bad('no delta header');
  const length = head.readUInt32LE(4);
  const count = head.readUInt32LE(8);
  if (head.readUInt32LE(0) !== MAGIC || HEADER + 4 * count > size) throw bad('no delta header');
  const table = Buffer.alloc(4 * count);
  if (count > 0 && (await handle.read(table, 0, table.length, HEADER)).bytesRead !== table.length)
    throw bad('its block list is cut short');
  const blocks = Array.from({ length: count }, (_, i) => table.readUInt32LE(4 * i));
  const dataStart = HEADER + table.length;
  const lastBlock = Math.ceil(length / DELTA_BLOCK) - 1;
  const blockLength = (index: number) => Math.min(DELTA_BLOCK, length - index * DELTA_BLOCK);
  if (blocks.some((index, i) => index > lastBlock || (i > 0 && index <= blocks[i - 1])))
    throw bad('its block list is out of order or past the chunk');
  const expected = blocks.reduce((total, index) => total + blockLength(index), dataStart);
  if (expected !== size) throw bad(`it is ${size} bytes where its header says ${expected}`);
  // Only the chunk's last block may be short, so every block before it starts DELTA_BLOCK further on.
  return { length, blocks, offsetOf: (i) => dataStart + i * DELTA_BLOCK };
}

/**
 * Overlays onto `into` (the base's bytes of the chunk range from `start`, `into.length` long) the
 * delta's blocks that fall in that range.
 */
export async function overlayDelta(handle: FileHandle, index: DeltaIndex, start: number, into: Buffer): Promise<void> {
  const end = start + into.length;
  const { blocks } = index;
  // The first block that ends after `start`.
  let low = 0;
  let high = blocks.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((blocks[middle] + 1) * DELTA_BLOCK <= start) low = middle + 1;
    else high = middle;
  }
  for (let i = low; i < blocks.length && blocks[i] * DELTA_BLOCK < end; i += 1) {
    const blockStart = blocks[i] * DELTA_BLOCK;
    const from = Math.max(start, blockStart);
    const to = Math.min(end, blockStart + DELTA_BLOCK, index.length);
    const { bytesRead } = await handle.read(into, from - start, to - from, index.offsetOf(i) + (from - blockStart));
    if (bytesRead !== to - from) throw new Error(`A chunk delta ended before its block ${blocks[i]}.`);
  }
}
