/**
 * A read cache of aligned blocks over a disk that never changes (an overlay's source, served by
 * Kiln's NBD server: overlay-disk.ts), for readers that ask for many small pieces close together.
 *
 * Why: `e2fsck -fn` of a built root (the write image step) reads some 3,200 pieces of 4 to 32 KiB
 * (directory and extent blocks, inode tables, bitmaps) of a Debian root, one at a time, each through
 * FUSE, qemu-storage-daemon and one NBD request to Kiln, each a wait on Kiln's event loop and a read
 * of the region store (a range reader's: ports/blob-store.ts). Those pieces sit close together: 64
 * KiB blocks hold them in ~930 fetches, each barely dearer than a 4 KiB one; larger blocks fetch
 * more bytes than they save (256 KiB: ~520 fetches but 2.3× the bytes), so 64 KiB, the overlay's
 * cluster size, is the block. Replaying that check's reads in process: 0.25-0.29 s through the
 * region store's range reader alone, 0.14-0.15 s through this cache (1.3-3.2 s and 0.5-1.7 s with
 * the store's plain per-range read, which found the blob again each time).
 *
 * Invariants:
 * - Only for bytes that never change: the source is read-only (the NBD export refuses writes), so a
 *   cached block is always the disk's.
 * - Memory is bounded: at most `maxBlocks` blocks, the least recently used dropped first.
 * - A read of many blocks (`bypassBytes` or more: a copy, a VM's streaming read) goes to the disk
 *   whole and is not cached, so bulk reads neither pay a copy nor flush what small readers use.
 * - A failed fetch is not cached: the next read asks again.
 * - Concurrent reads of one block share one fetch.
 */
import type { NbdDisk } from './nbd-server.ts';

export interface BlockCacheOptions {
  /** Bytes per block, a power of two (default 64 KiB). */
  blockSize?: number;
  /** How many blocks stay cached (default 512: 32 MiB of 64 KiB blocks). */
  maxBlocks?: number;
  /** Reads of at least this many bytes skip the cache (default 16 blocks). */
  bypassBytes?: number;
}

export function blockCached(disk: NbdDisk, options: BlockCacheOptions = {}): NbdDisk {
  const { blockSize = 65536, maxBlocks = 512 } = options;
  const bypassBytes = options.bypassBytes ?? 16 * blockSize;
  if (!Number.isSafeInteger(blockSize) || blockSize <= 0 || (blockSize & (blockSize - 1)) !== 0)
    throw new Error(`A cache block is a power of two bytes, not ${blockSize}.`);
  /** Block index to its bytes (or the fetch under way), in least to most recently used order. */
  const blocks = new Map<number, Promise<Buffer>>();

  const touch = (index: number, block: Promise<Buffer>) => {
    blocks.delete(index);
    blocks.set(index, block);
    while (blocks.size > maxBlocks) blocks.delete(blocks.keys().next().value!);
  };

  /** Fetches blocks `first` to `last` (none cached) in one read of the disk, each cached as its own. */
  const fetchRun = (first: number, last: number): Array<Promise<Buffer>> => {
    const start = first * blockSize;
    const end = Math.min((last + 1) * blockSize, disk.size);
    const whole = disk.read(start, end - start).then((bytes) => {
      if (bytes.length !== end - start) throw new Error(`short read: ${bytes.length} of ${end - start} bytes`);
      return bytes;
    });
    const fetched: Array<Promise<Buffer>> = [];
    for (let index = first; index <= last; index++) {
      const from = (index - first) * blockSize;
      const block = whole.then((bytes) => bytes.subarray(from, Math.min(from + blockSize, bytes.length)));
      // Kept while it is under way or in; a failure is forgotten, so the next read asks again.
      block.catch(() => {
        if (blocks.get(index) === block) blocks.delete(index);
      });
      touch(index, block);
      fetched.push(block);
    }
    return fetched;
  };

  return {
    size: disk.size,
    read: async (offset, length) => {
      if (length >= bypassBytes || length === 0) return disk.read(offset, length);
      const first = Math.floor(offset / blockSize);
      const last = Math.floor((offset + length - 1) / blockSize);
      // Each block from the cache, missing ones in a row fetched with one read.
      const pending: Array<Promise<Buffer>> = [];
      let run: number | undefined;
      for (let index = first; index <= last + 1; index++) {
        const cached = index <= last ? blocks.get(index) : undefined;
        if (cached === undefined && index <= last) {
          run ??= index;
          continue;
        }
        if (run !== undefined) pending.push(...fetchRun(run, index - 1));
        run = undefined;
        if (cached !== undefined) {
          touch(index, cached);
          pending.push(cached);
        }
      }
      const parts = await Promise.all(pending);
      const whole = parts.length === 1 ? parts[0] : Buffer.concat(parts);
      const from = offset - first * blockSize;
      // A copy: the caller may keep or change what it gets, the cache's block must stay as read.
      return Buffer.from(whole.subarray(from, from + length));
    },
  };
}
