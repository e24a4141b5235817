/**
 * Bytes from a stream into a new file, sparse: runs of zeros (a disk's unwritten space, mostly)
 * become holes instead of written blocks, as `cp --sparse=always` makes them, so a 30 GiB source
 * that holds 2 GiB of data costs the run 2 GiB of writes. Memory stays flat: each piece is written
 * or skipped as it comes. A hole reads back as zeros, so the file's content is the stream's exactly.
 */
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';

const ZEROS = Buffer.alloc(1024 * 1024);

function allZeros(piece: Buffer): boolean {
  for (let at = 0; at < piece.length; at += ZEROS.length) {
    const part = piece.subarray(at, at + ZEROS.length);
    if (!part.equals(ZEROS.subarray(0, part.length))) return false;
  }
  return true;
}

/** Writes `content` to `path` (replacing it), leaving holes where it holds zeros; returns the bytes it held. */
export async function writeSparseFile(content: Readable, path: string, signal?: AbortSignal): Promise<number> {
  const file = await open(path, 'w', 0o600);
  try {
    let position = 0;
    for await (const piece of content as AsyncIterable<Buffer>) {
      signal?.throwIfAborted();
      if (!allZeros(piece)) {
        for (let done = 0; done < piece.length;) {
          const { bytesWritten } = await file.write(piece, done, piece.length - done, position + done);
          done += bytesWritten;
        }
      }
      position += piece.length;
    }
    await file.truncate(position);
    return position;
  } finally {
    await file.close();
    content.destroy();
  }
}
