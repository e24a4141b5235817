/**
 * The check every blob store makes of a read's byte range before touching any bytes: whole,
 * non-negative offsets with `end` not before `start` (inclusive, as HTTP ranges are). A range that
 * runs past the blob's end is not refused here; each store answers that as its backend does.
 */
import type { ByteRange } from '../ports/blob-store.ts';

export function checkRange(range: ByteRange | undefined): void {
  if (range === undefined) return;
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`Invalid byte range ${start}-${end}.`);
  }
}
