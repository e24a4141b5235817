/**
 * The chunk files of one region store, `chunks/<sha256>`, shared by all its blobs: a chunk is
 * written once, fsynced before it is named (by rename from the store's temp folder, so a chunk
 * file is always whole) and never modified; zero chunks never get a file. A chunk another region's
 * folder holds is copied by the kernel and read back once to check its name (`holdCopy`).
 *
 * Each chunk's references (records naming it, readers streaming it) are counted in memory: the
 * store owns its folder, so one process holds every count, and `load` rebuilds them from the
 * records at opening, deleting the files nothing names (a crash's leftovers). A chunk file is
 * unlinked when its last reference goes; callers drop a record's references only once the change
 * that stopped naming it is durable, so a record never names a missing chunk, even after a crash.
 *
 * Races: whether a chunk is present, writing it and unlinking it are decided one at a time per
 * chunk (a keyed lock), so a put that finds a chunk present never loses it to a concurrent delete,
 * and a count is taken in the same step that finds the file there (a copy's or an adopt's pin, one
 * synchronous step, the count being gone before a release unlinks).
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, copyFile, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { ByteRange } from '../ports/blob-store.ts';
import { CHUNK_SIZE } from '../core/content-id.ts';
import { chunkLength } from './fs-blob-records.ts';
import { createKeyedLock } from './keyed-lock.ts';
import { isCode } from './store-error.ts';
import { syncDirectory, writeSyncedFile } from './sync-directory.ts';

/** The most a read yields at once, as Node's file streams read: concurrent readers (downloads, log tails) then hold little each. */
const READ_PIECE = 64 * 1024;

export type ChunkPool = ReturnType<typeof createChunkPool>;

/** `tmpPath` names a fresh file in the store's temp folder, on the same file system as `dir`. */
export function createChunkPool(dir: string, tmpPath: () => string) {
  const counts = new Map<string, number>();
  const oneAtATime = createKeyedLock();
  const chunkPath = (sha: string) => path.join(dir, sha);

  async function writeChunk(sha: string, data: Buffer): Promise<void> {
    const tmp = tmpPath();
    try {
      await writeSyncedFile(tmp, data);
      await rename(tmp, chunkPath(sha));
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /**
   * Writes chunk `sha` as a copy of the file `from` (another store's chunk file) that the kernel
   * makes, read back once to check it is `sha`'s bytes, fsynced before it is named.
   */
  async function copyChunk(sha: string, from: string): Promise<void> {
    const tmp = tmpPath();
    try {
      await copyFile(from, tmp, constants.COPYFILE_EXCL);
      await chmod(tmp, 0o600);
      const handle = await open(tmp, 'r+');
      try {
        const hash = createHash('sha256');
        for await (const piece of handle.createReadStream({ highWaterMark: CHUNK_SIZE, autoClose: false }))
          hash.update(piece as Buffer);
        const copied = hash.digest('hex');
        if (copied !== sha) throw new Error(`The copy of chunk ${sha} from ${from} holds ${copied}; it was not kept.`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, chunkPath(sha));
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** Fills `bytes` from chunk `sha`'s open file at `position`; a chunk file is never short. */
  async function fill(handle: FileHandle, sha: string, bytes: Buffer, position: number): Promise<Buffer> {
    for (let done = 0; done < bytes.length;) {
      const { bytesRead } = await handle.read(bytes, done, bytes.length - done, position + done);
      if (bytesRead === 0) throw new Error(`The chunk ${sha} ends before byte ${position + bytes.length}.`);
      done += bytesRead;
    }
    return bytes;
  }

  async function readChunk(sha: string, length: number): Promise<Buffer> {
    const handle = await open(chunkPath(sha), 'r');
    try {
      return await fill(handle, sha, Buffer.allocUnsafe(length), 0);
    } finally {
      await handle.close();
    }
  }

  /** `length` bytes of chunk `sha` from `start`, a piece at a time, from one open of its file. */
  async function* slicePieces(sha: string, start: number, length: number): AsyncGenerator<Buffer> {
    const handle = await open(chunkPath(sha), 'r');
    try {
      for (let done = 0; done < length; done += READ_PIECE)
        yield await fill(handle, sha, Buffer.allocUnsafe(Math.min(READ_PIECE, length - done)), start + done);
    } finally {
      await handle.close();
    }
  }

  /**
   * Takes a reference to each of `shas` if every one is referenced already (a reader's, or a copy's
   * before its record is written); takes none and answers false if one is not, its file being gone.
   * Synchronous, so no release comes between finding a count and raising it.
   */
  function pin(shas: Iterable<string>): boolean {
    const list = [...shas];
    if (!list.every((sha) => counts.has(sha))) return false;
    for (const sha of list) counts.set(sha, counts.get(sha)! + 1);
    return true;
  }

  /** Drops a reference to each of `shas`, unlinking the chunks left without any. */
  async function release(shas: Iterable<string>): Promise<void> {
    for (const sha of shas) {
      const left = (counts.get(sha) ?? 0) - 1;
      if (left > 0) {
        counts.set(sha, left);
        continue;
      }
      counts.delete(sha);
      // A hold queued before this unlink finds the count gone and writes the chunk again.
      await oneAtATime(sha, async () => {
        if (!counts.has(sha)) await rm(chunkPath(sha), { force: true });
      });
    }
  }

  return {
    /** Counts one reference per listed hash (repeats count again) and deletes every chunk file none names. */
    async load(references: Iterable<string>): Promise<void> {
      counts.clear();
      for (const sha of references) counts.set(sha, (counts.get(sha) ?? 0) + 1);
      for (const name of await readdir(dir)) if (!counts.has(name)) await rm(chunkPath(name), { force: true });
    },

    /** Takes a reference to the chunk `sha` of bytes `data`, writing its file if nothing references it yet. */
    async hold(sha: string, data: Buffer): Promise<void> {
      await oneAtATime(sha, async () => {
        if (!counts.has(sha)) await writeChunk(sha, data);
        counts.set(sha, (counts.get(sha) ?? 0) + 1);
      });
    },

    /** As `hold`, the chunk's bytes copied from the file `from` by the kernel and checked (`copyChunk`). */
    async holdCopy(sha: string, from: string): Promise<void> {
      await oneAtATime(sha, async () => {
        if (!counts.has(sha)) await copyChunk(sha, from);
        counts.set(sha, (counts.get(sha) ?? 0) + 1);
      });
    },

    pin,

    /** The file of chunk `sha`, for a copy the kernel makes: pin the chunk while it is read. */
    fileOf: chunkPath,

    /**
     * Takes a reference to the chunk `sha` if the pool holds it (pinned as a copy's chunks are, so a
     * concurrent release of its last other reference leaves the file in place) and answers its length,
     * its file's, a chunk file being whole; takes none and answers undefined if the pool lacks it.
     */
    async adopt(sha: string): Promise<number | undefined> {
      if (!pin([sha])) return undefined;
      try {
        return (await stat(chunkPath(sha))).size;
      } catch (error) {
        await release([sha]);
        throw error;
      }
    },

    release,

    /** Makes the chunks written so far durable: a record may name them after this. */
    sync: () => syncDirectory(dir),

    /** The bytes of the chunk `sha`, `length` long; the caller holds a reference to it. */
    read: readChunk,

    /**
     * The bytes of `range` (clipped to `size`) of a blob of `size` bytes whose chunk at each index is
     * `chunkAt(index)`, a hash or undefined for zeros; the caller holds references to those chunks.
     */
    async *bytes(
      size: number,
      range: ByteRange | undefined,
      chunkAt: (index: number) => string | undefined,
    ): AsyncGenerator<Buffer> {
      const end = Math.min(range?.end ?? size - 1, size - 1);
      for (let at = range?.start ?? 0; at <= end;) {
        const index = Math.floor(at / CHUNK_SIZE);
        const within = at - index * CHUNK_SIZE;
        const length = Math.min(chunkLength(size, index) - within, end - at + 1);
        const sha = chunkAt(index);
        if (sha !== undefined) yield* slicePieces(sha, within, length);
        else
          for (let done = 0; done < length; done += READ_PIECE) yield Buffer.alloc(Math.min(READ_PIECE, length - done));
        at += length;
      }
    },

    /** For the migration, before `load`: writes the chunk unless its file exists; counts nothing. */
    async writeMissing(sha: string, data: Buffer): Promise<void> {
      try {
        await access(chunkPath(sha));
      } catch (error) {
        if (!isCode(error, 'ENOENT')) throw error;
        await writeChunk(sha, data);
      }
    },
  };
}
