/**
 * The chunk files of one region store, shared by all its blobs: a chunk is written once, fsynced
 * before it is named (by rename from the store's temp folder, so a chunk file is always whole) and
 * never modified; zero chunks never get a file. A chunk another region's folder holds is copied by
 * the kernel and read back once, by a worker thread (file-hasher.ts), to check its name
 * (`holdCopy`). Chunks written at about the same time share the fsync of the folder (group commit).
 *
 * A chunk's file is `<sha256>`, its bytes, or `<sha256>-<base>`, a delta (chunk-delta.ts): the
 * blocks where it differs from the chunk `base`, which this pool keeps whole, or from zeros (base
 * `0`). A writer that knows what a chunk resembles says so (`hold`'s `like`: the source's chunk at
 * the same place, a staging chunk's previous content), and the pool keeps a delta when it is at most
 * half the chunk. Deltas are one level deep (a delta's base is never a delta), and a delta holds a
 * reference to its base, so a base stays while a delta needs it. A delta copied to another region
 * stays a delta where that region keeps its base whole, else it lands whole.
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
import { hashFile } from './file-hasher.ts';
import { DELTA_BLOCK, encodeDelta, overlayDelta, readDeltaIndex, type DeltaIndex } from './chunk-delta.ts';
import { chunkLength } from './fs-blob-records.ts';
import { createKeyedLock } from './keyed-lock.ts';
import { isCode } from './store-error.ts';
import { sharedDirectorySync, writeSyncedFile } from './sync-directory.ts';

/** The most a read yields at once, as Node's file streams read: concurrent readers (downloads, log tails) then hold little each. */
const READ_PIECE = 64 * 1024;

/** The base of a delta over zeros, which has no file. */
export const ZERO_BASE = '0';

/** A chunk's file as another store copies it: its bytes, or a delta over `base` (a chunk, or ZERO_BASE). */
export interface ChunkFile {
  path: string;
  base?: string;
}

export type ChunkPool = ReturnType<typeof createChunkPool>;

/** `tmpPath` names a fresh file in the store's temp folder, on the same file system as `dir`. */
export function createChunkPool(dir: string, tmpPath: () => string) {
  const counts = new Map<string, number>();
  /** The chunks whose file is there: null for one kept whole, else the delta's base. Changed under the chunk's lock. */
  const onDisk = new Map<string, string | null>();
  const oneAtATime = createKeyedLock();
  /** The folder's fsync, shared by the chunks of concurrent writers (group commit). */
  const syncFolder = sharedDirectorySync(dir);
  const fileName = (sha: string, base: string | null | undefined) => (base ? `${sha}-${base}` : sha);
  const chunkPath = (sha: string) => path.join(dir, fileName(sha, onDisk.get(sha)));

  /** Writes `bytes` as a new synced file named `name`, by rename from the temp folder. */
  async function place(name: string, bytes: Buffer): Promise<void> {
    const tmp = tmpPath();
    try {
      await writeSyncedFile(tmp, bytes);
      await rename(tmp, path.join(dir, name));
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /**
   * A base to keep a chunk like `like` against, its reference taken: zeros, or a chunk kept whole
   * here (a delta's own base when `like` is a delta); undefined when there is none.
   */
  function takeBase(like: string | undefined): string | undefined {
    if (like === undefined || like === ZERO_BASE) return like;
    const base = onDisk.get(like) ?? like;
    if (base === ZERO_BASE) return base;
    return onDisk.get(base) === null && pin([base]) ? base : undefined;
  }

  /** The delta of `data` over what it is `like`, its base's reference taken; undefined (none taken) where none pays. */
  async function deltaOver(data: Buffer, like: string): Promise<{ base: string; bytes: Buffer } | undefined> {
    const base = takeBase(like);
    if (base === undefined) return undefined;
    let bytes: Buffer | undefined;
    try {
      bytes = encodeDelta(data, base === ZERO_BASE ? undefined : await readWhole(base));
    } catch (error) {
      if (base !== ZERO_BASE) await release([base]);
      throw error;
    }
    if (bytes !== undefined) return { base, bytes };
    if (base !== ZERO_BASE) await release([base]);
    return undefined;
  }

  /** Writes chunk `sha` (under its lock) as `delta`, whose base reference it keeps, or gives back if the write fails. */
  async function placeDelta(sha: string, delta: { base: string; bytes: Buffer }): Promise<void> {
    try {
      await place(fileName(sha, delta.base), delta.bytes);
    } catch (error) {
      if (delta.base !== ZERO_BASE) await release([delta.base]);
      throw error;
    }
    onDisk.set(sha, delta.base);
  }

  /** Writes chunk `sha` (under its lock) whole. */
  async function placeWhole(sha: string, data: Buffer): Promise<void> {
    await place(sha, data);
    onDisk.set(sha, null);
  }

  /** Writes chunk `sha` (under its lock): a delta over what it is `like` where that pays, else its bytes. */
  async function writeChunk(sha: string, data: Buffer, like?: string): Promise<void> {
    const delta = like === undefined ? undefined : await deltaOver(data, like);
    return delta ? placeDelta(sha, delta) : placeWhole(sha, data);
  }

  /**
   * `length` bytes from `start` of the chunk whose file is open as `handle`: its own bytes, or
   * (with the delta's `index`) its base's (zeros for ZERO_BASE) with the delta's blocks laid over them.
   */
  async function readPiece(
    handle: FileHandle,
    file: string,
    delta: { base: string; index: DeltaIndex } | undefined,
    start: number,
    length: number,
  ): Promise<Buffer> {
    if (delta === undefined) return fill(handle, file, Buffer.allocUnsafe(length), start);
    const bytes = delta.base === ZERO_BASE ? Buffer.alloc(length) : await readRange(delta.base, start, length);
    await overlayDelta(handle, delta.index, start, bytes);
    return bytes;
  }

  /** Opens the chunk file `file` (a delta over `base` when given) for `use`, its delta header read once. */
  async function withChunkFile<T>(
    file: string,
    base: string | null | undefined,
    use: (handle: FileHandle, delta: { base: string; index: DeltaIndex } | undefined) => Promise<T>,
  ): Promise<T> {
    const handle = await open(file, 'r');
    try {
      return await use(handle, base ? { base, index: await deltaIndexOf(handle, file) } : undefined);
    } finally {
      await handle.close();
    }
  }

  /** From `start`, `length` bytes (to its end when undefined) of the chunk whose file is `file`, a delta over `base` when given. */
  const readFileRange = (file: string, base: string | null | undefined, start: number, length?: number) =>
    withChunkFile(file, base, async (handle, delta) =>
      readPiece(handle, file, delta, start, length ?? (await lengthIn(handle, delta)) - start),
    );

  /** The length of the chunk open as `handle`: its file's size, or its delta's header's. */
  const lengthIn = async (handle: FileHandle, delta: { index: DeltaIndex } | undefined) =>
    delta ? delta.index.length : (await handle.stat()).size;

  async function deltaIndexOf(handle: FileHandle, file: string): Promise<DeltaIndex> {
    return readDeltaIndex(handle, (await handle.stat()).size, path.basename(file));
  }

  /** `length` bytes from `start` of chunk `sha`; the caller holds a reference to it. */
  const readRange = (sha: string, start: number, length: number): Promise<Buffer> =>
    readFileRange(chunkPath(sha), onDisk.get(sha), start, length);

  /** The chunk's length, from its file: a whole chunk's size (no open needed), a delta's header. */
  const lengthOf = async (sha: string): Promise<number> =>
    onDisk.get(sha)
      ? withChunkFile(chunkPath(sha), onDisk.get(sha), (handle, delta) => lengthIn(handle, delta))
      : (await stat(chunkPath(sha))).size;

  /** Every byte of chunk `sha`; the caller holds a reference to it. */
  const readWhole = (sha: string): Promise<Buffer> => readFileRange(chunkPath(sha), onDisk.get(sha), 0);

  /**
   * Writes chunk `sha` as a copy of `from` (another store's chunk file) that the kernel makes, read
   * back once to check it is `sha`'s bytes, fsynced before it is named. A delta stays a delta over
   * `base`, which the caller has taken a reference to here (or zeros).
   */
  async function copyChunk(sha: string, from: string, base?: string): Promise<void> {
    const tmp = tmpPath();
    try {
      await copyFile(from, tmp, constants.COPYFILE_EXCL);
      await chmod(tmp, 0o600);
      // A whole chunk's file is its bytes: hashed by a worker thread as it reads back. A delta is
      // read with its base laid under it here.
      const copied =
        base === undefined
          ? (await hashFile(tmp)).sha
          : createHash('sha256')
              .update(await readFileRange(tmp, base, 0))
              .digest('hex');
      if (copied !== sha) throw new Error(`The copy of chunk ${sha} from ${from} holds ${copied}; it was not kept.`);
      const handle = await open(tmp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, path.join(dir, fileName(sha, base)));
      onDisk.set(sha, base ?? null);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** Fills `bytes` from the open chunk file `name` at `position`; a whole chunk file is never short. */
  async function fill(handle: FileHandle, name: string, bytes: Buffer, position: number): Promise<Buffer> {
    for (let done = 0; done < bytes.length;) {
      const { bytesRead } = await handle.read(bytes, done, bytes.length - done, position + done);
      if (bytesRead === 0)
        throw new Error(`The chunk ${path.basename(name)} ends before byte ${position + bytes.length}.`);
      done += bytesRead;
    }
    return bytes;
  }

  /** `length` bytes of chunk `sha` from `start`, a piece at a time, from one open of its file. */
  async function* slicePieces(sha: string, start: number, length: number): AsyncGenerator<Buffer> {
    const file = chunkPath(sha);
    const handle = await open(file, 'r');
    try {
      const base = onDisk.get(sha);
      const delta = base ? { base, index: await deltaIndexOf(handle, file) } : undefined;
      for (let done = 0; done < length; done += READ_PIECE)
        yield await readPiece(handle, file, delta, start + done, Math.min(READ_PIECE, length - done));
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

  /** Drops a reference to each of `shas`, unlinking the chunks left without any (and then a delta's reference to its base). */
  async function release(shas: Iterable<string>): Promise<void> {
    for (const sha of shas) {
      const left = (counts.get(sha) ?? 0) - 1;
      if (left > 0) {
        counts.set(sha, left);
        continue;
      }
      counts.delete(sha);
      // A hold queued before this unlink finds the count gone and the file still there, and keeps it.
      const base = await oneAtATime(sha, async () => {
        if (counts.has(sha) || !onDisk.has(sha)) return undefined;
        const was = onDisk.get(sha);
        await rm(chunkPath(sha), { force: true });
        onDisk.delete(sha);
        return was;
      });
      if (base && base !== ZERO_BASE) await release([base]);
    }
  }

  /** Takes a reference to chunk `sha`, running `write` (under its lock) when its file is not there. */
  const holdWith = (sha: string, write: () => Promise<void>) =>
    oneAtATime(sha, async () => {
      if (!onDisk.has(sha)) await write();
      counts.set(sha, (counts.get(sha) ?? 0) + 1);
    });

  return {
    /**
     * Counts one reference per listed hash (repeats count again) and one per delta to its base, and
     * deletes every chunk file none names: a crash's leftovers, and a delta beside its whole chunk.
     */
    async load(references: Iterable<string>): Promise<void> {
      counts.clear();
      onDisk.clear();
      for (const sha of references) counts.set(sha, (counts.get(sha) ?? 0) + 1);
      const names = await readdir(dir);
      const whole = new Set(names.filter((name) => !name.includes('-')));
      const unnamed: string[] = [];
      // Deltas first: a base that only deltas name must stay.
      for (const name of names.filter((n) => n.includes('-'))) {
        const [sha, base] = name.split('-');
        if (!counts.has(sha) || whole.has(sha) || onDisk.has(sha)) {
          unnamed.push(name);
          continue;
        }
        onDisk.set(sha, base);
        if (base !== ZERO_BASE) counts.set(base, (counts.get(base) ?? 0) + 1);
      }
      for (const name of whole) {
        if (counts.has(name)) onDisk.set(name, null);
        else unnamed.push(name);
      }
      for (const name of unnamed) await rm(path.join(dir, name), { force: true });
    },

    /**
     * Takes a reference to the chunk `sha` of bytes `data`, writing its file if it is not there: a
     * delta when `like` (a chunk the pool holds, or ZERO_BASE) names what it differs little from.
     */
    hold: (sha: string, data: Buffer, like?: string): Promise<void> => holdWith(sha, () => writeChunk(sha, data, like)),

    /**
     * As `hold`, the chunk copied from another pool's file by the kernel and checked (`copyChunk`): a
     * delta stays one where this pool keeps its base whole. Otherwise, with `like`, `read` gives its
     * bytes to keep as a delta over that where it pays; a whole chunk that does not is copied by the
     * kernel, a delta is written from those bytes.
     */
    holdCopy: (sha: string, from: ChunkFile, read: () => Promise<Buffer>, like?: string): Promise<void> =>
      holdWith(sha, async () => {
        if (from.base !== undefined) {
          const base = takeBase(from.base);
          if (base === from.base)
            return copyChunk(sha, from.path, base).catch(async (error: unknown) => {
              if (base !== ZERO_BASE) await release([base]);
              throw error;
            });
          if (base !== undefined && base !== ZERO_BASE) await release([base]);
        } else if (like === undefined) return copyChunk(sha, from.path);
        const data = await read();
        const got = createHash('sha256').update(data).digest('hex');
        if (got !== sha) throw new Error(`The copy of chunk ${sha} from ${from.path} holds ${got}; it was not kept.`);
        const delta = like === undefined ? undefined : await deltaOver(data, like);
        if (delta) return placeDelta(sha, delta);
        return from.base === undefined ? copyChunk(sha, from.path) : placeWhole(sha, data);
      }),

    pin,

    /** Chunk `sha`'s file, for a copy the kernel makes: pin the chunk while it is read (its base stays with it). */
    fileOf: (sha: string): ChunkFile => {
      const base = onDisk.get(sha);
      return base ? { path: chunkPath(sha), base } : { path: chunkPath(sha) };
    },

    /** Writes chunk `sha`'s delta blocks into `handle` at `at`, where its base's bytes are already. */
    async overlayInto(handle: FileHandle, sha: string, at: number): Promise<void> {
      const file = chunkPath(sha);
      const delta = await open(file, 'r');
      try {
        const index = await deltaIndexOf(delta, file);
        for (const [i, block] of index.blocks.entries()) {
          const start = block * DELTA_BLOCK;
          const piece = await fill(
            delta,
            file,
            Buffer.allocUnsafe(Math.min(DELTA_BLOCK, index.length - start)),
            index.offsetOf(i),
          );
          await handle.write(piece, 0, piece.length, at + start);
        }
      } finally {
        await delta.close();
      }
    },

    /**
     * Takes a reference to the chunk `sha` if the pool holds it (pinned as a copy's chunks are, so a
     * concurrent release of its last other reference leaves the file in place) and answers its
     * length; takes none and answers undefined if the pool lacks it.
     */
    async adopt(sha: string): Promise<number | undefined> {
      if (!pin([sha])) return undefined;
      try {
        return await lengthOf(sha);
      } catch (error) {
        await release([sha]);
        throw error;
      }
    },

    release,

    /** Makes the chunks written so far durable: a record may name them after this. */
    sync: syncFolder,

    /** The bytes of the chunk `sha`, `length` long; the caller holds a reference to it. */
    read: (sha: string, length: number): Promise<Buffer> => readRange(sha, 0, length),

    /** Every byte of the chunk `sha`; the caller holds a reference to it. */
    readWhole,

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
        await access(path.join(dir, sha));
      } catch (error) {
        if (!isCode(error, 'ENOENT')) throw error;
        await place(sha, data);
      }
    },
  };
}
