/**
 * The checks every blob store makes of a byte range before touching any bytes: whole, non-negative
 * offsets with `end` not before `start` (inclusive, as HTTP ranges are). A read's range that runs
 * past the blob's end is not refused here, each store answering that as its backend does; a ranged
 * copy's is answered the same in every store (`rangeWithin`).
 */
import type { ByteRange } from '../ports/blob-store.ts';
import { storeError } from './store-error.ts';

export function checkRange(range: ByteRange | undefined): void {
  if (range === undefined) return;
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`Invalid byte range ${start}-${end}.`);
  }
}

/**
 * The bytes of `range` a blob of `size` bytes holds, for a ranged copy: the end clipped as a read's
 * is. A range starting past the end is refused (InvalidRange, as Azure answers such a read), as a
 * copy of no bytes is no part of the blob.
 */
export function rangeWithin(range: ByteRange, size: number): ByteRange {
  checkRange(range);
  if (range.start >= size) {
    throw storeError(
      'InvalidRange',
      `The byte range ${range.start}-${range.end} starts past the end of a ${size}-byte blob.`,
    );
  }
  return { start: range.start, end: Math.min(range.end, size - 1) };
}
