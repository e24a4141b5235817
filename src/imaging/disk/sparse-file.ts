/**
 * Bytes from a stream into a new file, sparse: runs of zeros (a disk's unwritten space, mostly)
 * become holes instead of written blocks, as `cp --sparse=always` makes them, so a 30 GiB source
 * that holds 2 GiB of data costs the run 2 GiB of writes. Memory stays flat: each piece is written
 * or skipped as it comes. A hole reads back as zeros, so the file's content is the stream's exactly.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/** Holes are made 64 KiB at a time: small enough to skip a file system's free blocks, large enough to write in few calls. */
const WINDOW = 64 * 1024;
const ZEROS = Buffer.alloc(WINDOW);

/** Writes `content` to `path` (replacing it), leaving holes where it holds zeros; returns the bytes it held. */
export async function writeSparseFile(content: Readable, path: string, signal?: AbortSignal): Promise<number> {
  async function* placed(): AsyncGenerator<{ at: number; data: Buffer }> {
    let position = 0;
    for await (const piece of content as AsyncIterable<Buffer>) {
      yield { at: position, data: piece };
      position += piece.length;
    }
    size = position;
  }
  let size = 0;
  try {
    await writeSparsePieces(placed(), path, () => size, signal);
    return size;
  } finally {
    content.destroy();
  }
}

/**
 * Writes `pieces` (bytes and where they go, in any order) to `path` (replacing it) as a sparse file
 * of `size()` bytes, asked once they are all written: what no piece covers, and the zeros inside
 * pieces, are holes.
 */
export async function writeSparsePieces(
  pieces: AsyncIterable<{ at: number; data: Buffer }>,
  path: string,
  size: () => number,
  signal?: AbortSignal,
): Promise<void> {
  const file = await open(path, 'w', 0o600);
  const writeAt = async (data: Buffer, position: number) => {
    for (let done = 0; done < data.length;) {
      const { bytesWritten } = await file.write(data, done, data.length - done, position + done);
      done += bytesWritten;
    }
  };
  try {
    for await (const { at, data: piece } of pieces) {
      signal?.throwIfAborted();
      // Consecutive windows holding data go out in one write.
      let dataFrom: number | undefined;
      for (let window = 0; window < piece.length; window += WINDOW) {
        const bytes = piece.subarray(window, window + WINDOW);
        const zero = bytes.equals(ZEROS.subarray(0, bytes.length));
        if (!zero) dataFrom ??= window;
        else if (dataFrom !== undefined) {
          await writeAt(piece.subarray(dataFrom, window), at + dataFrom);
          dataFrom = undefined;
        }
      }
      if (dataFrom !== undefined) await writeAt(piece.subarray(dataFrom), at + dataFrom);
    }
    await file.truncate(size());
  } finally {
    await file.close();
  }
}

/** A sparse copy of the file `from` at `to`, read with ordinary reads (a FUSE export has no holes to report). */
export async function copySparse(from: string, to: string, signal?: AbortSignal): Promise<number> {
  return writeSparseFile(createReadStream(from, { highWaterMark: 4 * 1024 * 1024 }), to, signal);
}
