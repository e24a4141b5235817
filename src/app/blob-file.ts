/**
 * A sealed blob written out as a local file a user may boot or change: streamed from its region's
 * store, so memory stays flat however big it is, and sparse: runs of zeros (a disk's unwritten space)
 * become holes rather than written blocks, as `cp --sparse=always` would make them.
 */
import { open } from 'node:fs/promises';
import type { BlobStore } from '../ports/blob-store.ts';

const ZEROS = Buffer.alloc(1024 * 1024);

const allZeros = (piece: Buffer): boolean => {
  for (let at = 0; at < piece.length; at += ZEROS.length) {
    const part = piece.subarray(at, at + ZEROS.length);
    if (!part.equals(ZEROS.subarray(0, part.length))) return false;
  }
  return true;
};

/** Writes blob `key` of `store` to `path` (replacing it), leaving holes where the blob holds zeros. */
export async function writeBlobFile(store: BlobStore, key: string, path: string): Promise<void> {
  const file = await open(path, 'w', 0o644);
  try {
    let position = 0;
    for await (const piece of store.read(key) as AsyncIterable<Buffer>) {
      if (!allZeros(piece)) {
        for (let done = 0; done < piece.length;) {
          const { bytesWritten } = await file.write(piece, done, piece.length - done, position + done);
          done += bytesWritten;
        }
      }
      position += piece.length;
    }
    await file.truncate(position);
  } finally {
    await file.close();
  }
}
