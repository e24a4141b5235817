/**
 * A region's blobs in a local directory, every one (sealed or staging) kept as a list of
 * content-addressed 4 MiB chunks in one pool the whole store shares:
 *
 *   chunks/<sha256>          chunk files (fs-chunk-pool.ts): written once, never modified, no file for zeros
 *   chunks/<sha256>-<base>   a chunk kept as the blocks where it differs from chunk <base> (or zeros, `0`)
 *   index/<sha256 of key>    a sealed blob's record { key, size, sha256, runs, lastModified } (fs-blob-records.ts)
 *   .staging/<sha256 of key> a staging blob's record { key, id, size, written } (fs-staging-area.ts)
 *   .tmp/                    files being written
 *
 * So a copy is a new record (no bytes move), of a whole blob or of a range on chunk boundaries, and
 * so is an adopt of a chunk any blob holds (one run naming it: a replica's chunk the region had) and
 * an assembly of chunks the pool holds (a gallery version's manifest made a disk again); a
 * put writes only the chunks the pool lacks, and of a chunk `like` another only the 4 KiB blocks that
 * differ (a build's output that differs from its source in 10 MiB writes about 10 MiB); `chunks` answers from the record; a blob written out as a local file
 * is copied from the chunk files by the kernel (fs-range-copy.ts), and so is a blob another region's
 * folder store holds (`copyFrom`, each chunk read back once to check it); a staging blob of any size costs
 * nothing until written (an empty 32 TiB disk is one footer chunk and one record), sealing costs
 * O(written chunks), and reads stream chunk files, or zeros for chunks nobody wrote.
 *
 * Crash safety: a sealed blob exists exactly when its record does, and a record is only ever
 * created or replaced (link / rename of a fsynced temp file, each atomic, then the directory
 * fsynced) after every chunk it names is durable; a chunk loses its file only after the records
 * that named it are durably gone. So a kill -9 or power loss at any moment leaves each blob's old
 * record or its new one, naming whole chunks; what it can leave behind is .tmp files and chunks no
 * record names, which the store sweeps when it opens. A folder an older Kiln wrote (whole files in
 * objects/) is migrated at opening (fs-blob-migration.ts), as safely.
 *
 * One store owns a directory: chunk reference counts live in its memory and its opening sweep would
 * delete another store's files in flight, so opening claims the directory first (directory-owner.ts)
 * and fails clearly when another one holds it; `close` gives it up.
 *
 * Owner-only: the directory is made (and on every opening, tightened to) 0700, and every file and
 * directory the store creates is 0600 / 0700, since blobs are users' disks. Files an older Kiln made
 * 0644 stay so, unreachable to other users behind the 0700 directory; no walk of the store is needed.
 */
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { blobKeyProblem } from '../core/blob-url.ts';
import { CHUNK_SIZE, contentId, toRuns, zeroChunkSha, type ChunkRun } from '../core/content-id.ts';
import type { BlobInfo, BlobStore, RegionStores } from '../ports/blob-store.ts';
import { checkRange, rangeWithin } from './byte-range.ts';
import { keepChunks } from './chunk-cutter.ts';
import { claimDirectory, type DirectoryClaim } from './directory-owner.ts';
import { migrateOldLayout } from './fs-blob-migration.ts';
import {
  DIR_MODE,
  chunkFinder,
  hashName,
  placeFile,
  readRecordFile,
  readRecordsIn,
  runsOfRange,
  storedChunks,
  toInfo,
  type SealedRecord,
} from './fs-blob-records.ts';
import { createChunkPool, ZERO_BASE, type ChunkFile } from './fs-chunk-pool.ts';
import { writeFileOfPieces, type FilePiece } from './fs-range-copy.ts';
import { createSealGate } from './fs-seal-gate.ts';
import { createStagingArea } from './fs-staging-area.ts';
import { createKeyedLock } from './keyed-lock.ts';
import { makeOwnerOnly } from './owner-only.ts';
import { isCode, storeError } from './store-error.ts';
import { sharedDirectorySync } from './sync-directory.ts';

function checkKey(key: string): void {
  const problem = blobKeyProblem(key);
  if (problem !== undefined) throw storeError('InvalidBlobKey', problem);
}

/** For a put `like` runs: the chunk at each index, ZERO_BASE for zeros, nothing past their end. */
function resemblance(like: readonly ChunkRun[]): (index: number) => string | undefined {
  const count = like.reduce((total, run) => total + run.count, 0);
  const find = chunkFinder({ size: count * CHUNK_SIZE, runs: [...like] });
  return (index) => (index < count ? (find(index) ?? ZERO_BASE) : undefined);
}

const notFound = (key: string) => storeError('BlobNotFound', `The blob '${key}' does not exist.`);
const alreadyExists = (key: string) => storeError('BlobAlreadyExists', `The blob '${key}' already exists.`);

/** A sealed blob's record and its chunk files, pinned until `release`: what another folder store copies from. */
interface PinnedChunkFiles {
  record: SealedRecord;
  fileOf(sha: string): ChunkFile;
  /** A chunk's bytes, for a delta whose base the copying store lacks. */
  read(sha: string): Promise<Buffer>;
  release(): Promise<void>;
}

/** The folder stores of this process, so one can copy from another's chunk files (`copyFrom`). */
const chunkFilesOf = new WeakMap<BlobStore, (key: string) => Promise<PinnedChunkFiles>>();

export function createFsBlobStore(region: string, dir: string): BlobStore {
  const chunksDir = path.join(dir, 'chunks');
  const indexDir = path.join(dir, 'index');
  const stagingDir = path.join(dir, '.staging');
  const tmpDir = path.join(dir, '.tmp');
  const indexPath = (key: string) => path.join(indexDir, hashName(key));
  const tmpPath = () => path.join(tmpDir, randomUUID());
  const pool = createChunkPool(chunksDir, tmpPath);
  const staging = createStagingArea(stagingDir, tmpPath, pool);
  const gate = createSealGate();
  /** Changes of one key's sealed record, one at a time: each must know the record it replaces. */
  const oneAtATime = createKeyedLock();
  /** The index folder's fsync, shared by records committed together (concurrent chunk copies). */
  const syncIndex = sharedDirectorySync(indexDir);

  const readRecord = (key: string) => readRecordFile<SealedRecord>(indexPath(key));

  let claim: DirectoryClaim | undefined;

  /** Claims the directory, migrates an older layout, and rebuilds the chunk counts, sweeping what no record names. */
  async function sweep(): Promise<void> {
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
    await makeOwnerOnly(dir);
    claim ??= await claimDirectory(dir);
    await rm(tmpDir, { recursive: true, force: true });
    await Promise.all([chunksDir, indexDir, tmpDir].map((d) => mkdir(d, { recursive: true, mode: DIR_MODE })));
    await migrateOldLayout(dir, pool, tmpPath);
    await mkdir(stagingDir, { recursive: true, mode: DIR_MODE });
    const references: string[] = [];
    const sealedFrom = new Set<string>();
    for (const { record } of await readRecordsIn<SealedRecord>(indexDir)) {
      for (const sha of storedChunks(record)) references.push(sha);
      if (record.sealedFrom !== undefined) sealedFrom.add(record.sealedFrom);
    }
    // A seal that committed its record but died before removing the staging record leaves it behind.
    for (const sha of await staging.load((record) => sealedFrom.has(record.id))) references.push(sha);
    await pool.load(references);
  }

  let opening: Promise<void> | undefined;
  const ready = (): Promise<void> =>
    (opening ??= sweep().catch((error: unknown) => {
      opening = undefined;
      throw error;
    }));

  async function refuseExisting(key: string): Promise<void> {
    if ((await readRecord(key)) !== undefined) throw alreadyExists(key);
  }

  /**
   * Makes `record` the key's record, its chunks already durable and `held` the references taken for
   * it: exclusively (link fails if the key exists) or replacing the old record (rename), whose
   * references then go. If the record is not written, `held` goes.
   */
  async function commit(record: SealedRecord, overwrite: boolean, held: Iterable<string>): Promise<BlobInfo> {
    const replaced = await oneAtATime(record.key, async () => {
      const previous = overwrite ? await readRecord(record.key) : undefined;
      try {
        await placeFile(tmpPath(), indexPath(record.key), JSON.stringify(record), !overwrite);
      } catch (error) {
        await pool.release(held);
        throw isCode(error, 'EEXIST') ? alreadyExists(record.key) : error;
      }
      await syncIndex();
      return previous;
    });
    if (replaced !== undefined) await pool.release(storedChunks(replaced));
    return toInfo(record);
  }

  /**
   * The key's sealed record with a reference taken to each of its chunks, for the caller to drop,
   * so that its chunks stay while it reads or copies them even if the blob is deleted meanwhile.
   */
  async function pinnedRecord(key: string): Promise<{ record: SealedRecord; chunks: Set<string> }> {
    let failed: string | undefined;
    for (;;) {
      let text: string;
      try {
        text = await readFile(indexPath(key), 'utf8');
      } catch (error) {
        throw isCode(error, 'ENOENT') ? notFound(key) : error;
      }
      const record = JSON.parse(text) as SealedRecord;
      const chunks = storedChunks(record);
      if (pool.pin(chunks)) return { record, chunks };
      // A chunk was released since the record was read: the record was replaced or deleted meanwhile.
      if (text === failed) throw new Error(`The blob '${key}' names chunks the store does not have.`);
      failed = text;
    }
  }

  const now = () => new Date().toISOString();

  /**
   * Stores `content` as the sealed blob `key`, writing only the chunks the pool lacks, each a delta
   * over the chunk at its place in `like` where that pays.
   */
  async function keep(
    key: string,
    content: Readable | Buffer,
    overwrite: boolean,
    like?: readonly ChunkRun[],
  ): Promise<BlobInfo> {
    // Checked up front too so a refused upload is not streamed to disk first.
    if (!overwrite) await refuseExisting(key);
    const likeAt = like && resemblance(like);
    const held = new Set<string>();
    let chunks: string[];
    let size: number;
    try {
      ({ size, chunks } = await keepChunks(content, async (sha, data, index) => {
        await pool.hold(sha, data, likeAt?.(index));
        held.add(sha);
      }));
      await pool.sync();
    } catch (error) {
      await pool.release(held);
      throw error;
    }
    const record = { key, size, sha256: contentId(size, chunks), runs: toRuns(chunks), lastModified: now() };
    return commit(record, overwrite, held);
  }

  const store: BlobStore = {
    region,

    async put(key, content, options) {
      checkKey(key);
      await ready();
      return keep(key, content, options?.overwrite === true, options?.like);
    },

    async stat(key) {
      checkKey(key);
      await ready();
      const record = await readRecord(key);
      return record === undefined ? undefined : toInfo(record);
    },

    open: ready,

    // Every folder a blob's life touches must be there and usable: a removed or read-only folder
    // fails here, where reads of absent keys would answer "absent". Not `ready()`, which would make
    // the folders again.
    async probe() {
      const usable = constants.R_OK | constants.W_OK | constants.X_OK;
      await Promise.all([chunksDir, indexDir, stagingDir, tmpDir].map((folder) => access(folder, usable)));
    },

    async close() {
      await opening?.catch(() => undefined);
      opening = undefined;
      await claim?.release();
      claim = undefined;
    },

    read(key, range) {
      checkKey(key);
      checkRange(range);
      async function* bytes(): AsyncGenerator<Buffer> {
        await ready();
        const { record, chunks } = await pinnedRecord(key);
        try {
          yield* pool.bytes(record.size, range, chunkFinder(record));
        } finally {
          await pool.release(chunks);
        }
      }
      return Readable.from(bytes(), { objectMode: false });
    },

    rangeReader(key) {
      checkKey(key);
      // The record read once (a read's fixed cost was its index file, ~0.3 ms: most of e2fsck's time
      // on a source read where it is); each range still pins its chunks while it reads them.
      let found:
        Promise<{ size: number; chunks: Set<string>; find: (index: number) => string | undefined }> | undefined;
      const blob = () =>
        (found ??= (async () => {
          await ready();
          const { record, chunks } = await pinnedRecord(key);
          await pool.release(chunks);
          return { size: record.size, chunks, find: chunkFinder(record) };
        })());
      return async (offset, length) => {
        checkRange({ start: offset, end: offset + length - 1 });
        const { size, chunks, find } = await blob();
        if (!pool.pin(chunks)) throw new Error(`The blob '${key}' was replaced or deleted while it was read.`);
        try {
          const pieces: Buffer[] = [];
          for await (const piece of pool.bytes(size, { start: offset, end: offset + length - 1 }, find))
            pieces.push(piece);
          return pieces.length === 1 ? pieces[0] : Buffer.concat(pieces);
        } finally {
          await pool.release(chunks);
        }
      };
    },

    async copyFrom(source, fromKey, toKey, options) {
      const pinned = chunkFilesOf.get(source);
      if (pinned === undefined || source === store) return undefined;
      checkKey(fromKey);
      checkKey(toKey);
      await ready();
      await refuseExisting(toKey);
      const from = await pinned(fromKey);
      const likeAt = options?.like && resemblance(options.like);
      const stored = storedChunks(from.record);
      const held = new Set<string>();
      try {
        let index = 0;
        for (const { sha, count } of from.record.runs) {
          if (stored.has(sha) && !held.has(sha)) {
            await pool.holdCopy(sha, from.fileOf(sha), () => from.read(sha), likeAt?.(index));
            held.add(sha);
          }
          index += count;
        }
        await pool.sync();
      } catch (error) {
        await pool.release(held);
        throw error;
      } finally {
        await from.release();
      }
      const { size, sha256, runs } = from.record;
      return commit({ key: toKey, size, sha256, runs, lastModified: now() }, false, held);
    },

    async writeToFile(key, path, end) {
      checkKey(key);
      await ready();
      const { record, chunks } = await pinnedRecord(key);
      try {
        const size = Math.min(end, record.size);
        const find = chunkFinder(record);
        const pieces: FilePiece[] = [];
        // A delta's base goes in by the kernel too; its own blocks are written over it after.
        const deltas: Array<{ sha: string; at: number }> = [];
        for (let at = 0; at < size; at += CHUNK_SIZE) {
          const sha = find(at / CHUNK_SIZE);
          if (sha === undefined) continue;
          const { path: file, base } = pool.fileOf(sha);
          if (base !== undefined) deltas.push({ sha, at });
          const whole = base === undefined ? file : base === ZERO_BASE ? undefined : pool.fileOf(base).path;
          if (whole !== undefined) pieces.push({ file: whole, at, length: Math.min(CHUNK_SIZE, size - at) });
        }
        await writeFileOfPieces(path, size, pieces);
        if (deltas.length > 0) {
          const handle = await open(path, 'r+');
          try {
            for (const { sha, at } of deltas) await pool.overlayInto(handle, sha, at);
          } finally {
            await handle.close();
          }
        }
      } finally {
        await pool.release(chunks);
      }
    },

    async copy(fromKey, toKey, range) {
      checkKey(fromKey);
      checkKey(toKey);
      checkRange(range);
      await ready();
      await refuseExisting(toKey);
      // The source's chunks stay pinned while the copy is made.
      const { record, chunks } = await pinnedRecord(fromKey);
      if (range === undefined) {
        // They become the copy's references.
        const { size, sha256, runs } = record;
        return commit({ key: toKey, size, sha256, runs, lastModified: now() }, false, chunks);
      }
      try {
        const within = rangeWithin(range, record.size);
        const size = within.end - within.start + 1;
        const runs = runsOfRange(record.runs, record.size, within);
        // A range that cuts a chunk makes new chunks: its bytes are read and kept like a put's.
        if (runs === undefined)
          return await keep(
            toKey,
            Readable.from(pool.bytes(record.size, within, chunkFinder(record)), { objectMode: false }),
            false,
          );
        const copied = { key: toKey, size, sha256: contentId(size, runs), runs, lastModified: now() };
        // Chunks of the pinned source, so present: the copy's references are taken at once.
        const held = storedChunks(copied);
        if (!pool.pin(held)) throw new Error(`The blob '${fromKey}' names chunks the store does not have.`);
        return await commit(copied, false, held);
      } finally {
        await pool.release(chunks);
      }
    },

    async chunks(key) {
      checkKey(key);
      await ready();
      return (await readRecord(key))?.runs;
    },

    async adopt(key, sha) {
      checkKey(key);
      await ready();
      await refuseExisting(key);
      const record = (size: number) => ({
        key,
        size,
        sha256: contentId(size, [sha]),
        runs: [{ sha, count: 1 }],
        lastModified: now(),
      });
      // Zeros have no file: a chunk of them is at hand in every store, but only of a length known here.
      if (sha === zeroChunkSha(CHUNK_SIZE)) return commit(record(CHUNK_SIZE), false, []);
      const size = await pool.adopt(sha);
      if (size === undefined) return undefined;
      try {
        // The chunk may be one a put is still writing, not yet durable: the record must not outlive it.
        await pool.sync();
      } catch (error) {
        await pool.release([sha]);
        throw error;
      }
      return commit(record(size), false, [sha]);
    },

    async assemble(key, size, runs) {
      checkKey(key);
      await ready();
      await refuseExisting(key);
      // contentId refuses runs that do not count the chunks of `size` bytes, before any reference is taken.
      const record = { key, size, sha256: contentId(size, runs), runs: toRuns(runs), lastModified: now() };
      const held = storedChunks(record);
      if (!pool.pin(held)) return undefined;
      try {
        // A chunk may be one a put is still writing, not yet durable: the record must not outlive it.
        await pool.sync();
      } catch (error) {
        await pool.release(held);
        throw error;
      }
      return commit(record, false, held);
    },

    async delete(key) {
      checkKey(key);
      await ready();
      const removed = await oneAtATime(key, async () => {
        const record = await readRecord(key);
        if (record === undefined) return undefined;
        await rm(indexPath(key), { force: true });
        await syncIndex();
        return record;
      });
      if (removed !== undefined) await pool.release(storedChunks(removed));
    },

    async list(prefix) {
      await ready();
      return (await readRecordsIn<SealedRecord>(indexDir))
        .map(({ record }) => record)
        .filter((record) => record.key.startsWith(prefix))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        .map(toInfo);
    },

    async createStaging(key, size) {
      checkKey(key);
      if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`Invalid staging blob size ${size}.`);
      await ready();
      await refuseExisting(key);
      await staging.create(key, size);
    },

    async writeStaging(key, offset, content) {
      checkKey(key);
      if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`Invalid staging write offset ${offset}.`);
      await ready();
      gate.enterWrite(key);
      try {
        await staging.write(key, offset, content);
      } finally {
        gate.leaveWrite(key);
      }
    },

    async stagingSize(key) {
      checkKey(key);
      await ready();
      return staging.get(key)?.size;
    },

    readStaging(key, range) {
      checkKey(key);
      checkRange(range);
      async function* bytes(): AsyncGenerator<Buffer> {
        await ready();
        yield* staging.read(key, range);
      }
      return Readable.from(bytes(), { objectMode: false });
    },

    async seal(key) {
      checkKey(key);
      await ready();
      await gate.enterSeal(key);
      try {
        await refuseExisting(key);
        const blob = staging.get(key);
        if (blob === undefined) throw storeError('BlobNotFound', `The staging blob '${key}' does not exist.`);
        const runs = staging.runs(blob);
        const { size, id } = blob;
        const record = { key, size, sha256: contentId(size, runs), runs, lastModified: now(), sealedFrom: id };
        // The staging blob holds every chunk, so the sealed record's references are taken at once.
        const chunks = storedChunks(record);
        if (!pool.pin(chunks)) throw new Error(`The staging blob '${key}' names chunks the store does not have.`);
        const info = await commit(record, false, chunks);
        await staging.remove(blob);
        return info;
      } finally {
        gate.leaveSeal(key);
      }
    },

    async deleteStaging(key) {
      checkKey(key);
      await ready();
      const blob = staging.get(key);
      if (blob !== undefined) await staging.remove(blob);
    },
  };
  chunkFilesOf.set(store, async (key) => {
    checkKey(key);
    await ready();
    const { record, chunks } = await pinnedRecord(key);
    return { record, fileOf: pool.fileOf, read: pool.readWhole, release: () => pool.release(chunks) };
  });
  return store;
}

export function createFsRegionStores(regions: Array<{ name: string; dir: string }>): RegionStores {
  const stores = new Map<string, BlobStore>();
  const dirs = new Set<string>();
  for (const { name, dir } of regions) {
    const region = name.toLowerCase();
    const resolved = path.resolve(dir);
    if (stores.has(region)) throw new Error(`Region '${region}' is configured twice.`);
    // Two stores in one directory would sweep each other's files in flight.
    if (dirs.has(resolved)) throw new Error(`Regions cannot share the blob directory '${resolved}'.`);
    dirs.add(resolved);
    stores.set(region, createFsBlobStore(region, resolved));
  }
  return {
    regions: () => [...stores.keys()],
    get: (region) => stores.get(region.toLowerCase()),
  };
}
