/**
 * Cuts bytes arriving as a buffer or a stream at chunk boundaries (`CHUNK_SIZE` from offset 0), so
 * a writer stores whole chunks, holding only the chunks in hand: a 2 GiB stream costs a few chunks
 * of memory, never its length. Each piece is a fresh buffer (or a view of the caller's buffer).
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { CHUNK_SIZE, zeroChunkSha } from '../core/content-id.ts';
import { taskPool } from '../core/task-pool.ts';

/**
 * The bytes of `content`, written from byte `start` of a blob, as pieces that each lie in one chunk:
 * the first runs from `start` to its chunk's end, the others are whole chunks, the last may be short.
 */
export async function* chunkPieces(content: Readable | Buffer, start = 0): AsyncGenerator<Buffer> {
  let room = CHUNK_SIZE - (start % CHUNK_SIZE);
  if (Buffer.isBuffer(content)) {
    for (let at = 0; at < content.length; at += room, room = CHUNK_SIZE) yield content.subarray(at, at + room);
    return;
  }
  let piece = Buffer.allocUnsafe(room);
  let filled = 0;
  for await (const data of content) {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data as Uint8Array);
    for (let at = 0; at < bytes.length;) {
      const take = Math.min(bytes.length - at, room - filled);
      bytes.copy(piece, filled, at, at + take);
      filled += take;
      at += take;
      if (filled === room) {
        yield piece;
        room = CHUNK_SIZE;
        piece = Buffer.allocUnsafe(room);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield piece.subarray(0, filled);
}

/** At most this many chunks are in memory at once: the one being cut and those being kept. */
const HELD_AT_ONCE = 3;

/**
 * Cuts `content` into chunks and hands each distinct chunk that is not all zeros to `keep` with its
 * index (its first place), a few at a time; resolves with the size and every chunk's hash, in order, once all are kept. When it
 * fails, no `keep` is still running.
 */
export async function keepChunks(
  content: Readable | Buffer,
  keep: (sha: string, data: Buffer, index: number) => Promise<void>,
): Promise<{ size: number; chunks: string[] }> {
  const chunks: string[] = [];
  const seen = new Set<string>();
  const pool = taskPool(HELD_AT_ONCE - 1);
  let size = 0;
  try {
    for await (const piece of chunkPieces(content)) {
      const sha = createHash('sha256').update(piece).digest('hex');
      chunks.push(sha);
      size += piece.length;
      if (sha === zeroChunkSha(piece.length) || seen.has(sha)) continue;
      seen.add(sha);
      const index = chunks.length - 1;
      await pool.add(() => keep(sha, piece, index));
    }
  } finally {
    await pool.idle();
  }
  pool.throwIfFailed();
  return { size, chunks };
}
