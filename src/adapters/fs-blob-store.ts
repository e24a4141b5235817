/**
 * A region's blobs in a local directory:
 *
 *   objects/<uuid>           bytes of sealed blobs, never modified, so copies are hard links to them
 *   index/<sha256 of key>    a sealed blob's record, JSON { key, size, sha256, object, lastModified }
 *   .staging/<sha256 of key> sparse files taking page writes until they are sealed
 *   .tmp/                    files being written
 *
 * Crash safety: a sealed blob exists exactly when its index record does, and a record is only ever
 * created or replaced (link / rename, each atomic) after the object it names has been fsynced and
 * renamed into objects/, with that directory fsynced. So a kill -9 or power loss at any moment leaves
 * either no record or a record naming whole, correct bytes; what it can leave behind is .tmp files and
 * objects no record names, which stat and list never look at and the store sweeps when it opens.
 * Index and staging names are hashes so keys need no escaping and both `a` and `a/b` can exist.
 *
 * One store owns a directory: its opening sweep would delete another store's files in flight, so
 * opening claims the directory first (directory-owner.ts) and fails clearly when another one holds it;
 * `close` gives it up.
 *
 * Owner-only: the directory is made (and on every opening, tightened to) 0700, and every file and
 * directory the store creates is 0600 / 0700, since blobs are users' disks. Files an older Kiln made
 * 0644 stay so, unreachable to other users behind the 0700 directory; no walk of the store is needed.
 */
import { createHash, randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import {
  copyFile,
  link,
  mkdir,
  open,
  readFile,
  readdir,
  rename,
  rm,
  stat,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { blobKeyProblem } from '../core/blob-url.ts';
import type { BlobInfo, BlobStore, ByteRange, RegionStores } from '../ports/blob-store.ts';
import { checkRange } from './byte-range.ts';
import { claimDirectory, type DirectoryClaim } from './directory-owner.ts';
import { makeOwnerOnly } from './owner-only.ts';
import { syncDirectory } from './sync-directory.ts';

interface BlobRecord {
  key: string;
  size: number;
  sha256: string;
  object: string;
  lastModified: string;
}

/** Errors carry the Azure Storage error code of the condition, for callers to tell them apart. */
const storeError = (code: string, message: string): Error => Object.assign(new Error(message), { code });

const isCode = (error: unknown, code: string): boolean => (error as NodeJS.ErrnoException)?.code === code;

function checkKey(key: string): void {
  const problem = blobKeyProblem(key);
  if (problem !== undefined) throw storeError('InvalidBlobKey', problem);
}

const hashName = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

const toInfo = (record: BlobRecord): BlobInfo => ({
  key: record.key,
  size: record.size,
  sha256: record.sha256,
  lastModified: new Date(record.lastModified),
});

async function writeAll(handle: FileHandle, chunk: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, done, chunk.length - done, position + done);
    done += bytesWritten;
  }
}

async function* chunksOf(content: Readable | Buffer): AsyncGenerator<Buffer> {
  if (Buffer.isBuffer(content)) {
    yield content;
    return;
  }
  for await (const chunk of content) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
}

/** A byte stream of part of a file; `openFile` runs when the stream is first read. */
function fileStream(openFile: () => Promise<FileHandle>, range: ByteRange | undefined): Readable {
  checkRange(range);
  async function* bytes(): AsyncGenerator<Buffer> {
    const handle = await openFile();
    yield* handle.createReadStream(range === undefined ? {} : { start: range.start, end: range.end });
  }
  return Readable.from(bytes(), { objectMode: false });
}

/**
 * Page writes and sealing of one staging blob must not overlap: a write landing while the file is
 * hashed and linked into objects/ would change a sealed blob behind its sha256.
 */
function createSealGate() {
  const writers = new Map<string, number>();
  const sealing = new Map<string, () => void>();
  return {
    enterWrite(key: string): void {
      if (sealing.has(key)) throw storeError('BlobBeingSealed', `The staging blob '${key}' is being sealed.`);
      writers.set(key, (writers.get(key) ?? 0) + 1);
    },
    leaveWrite(key: string): void {
      const left = (writers.get(key) ?? 1) - 1;
      if (left > 0) {
        writers.set(key, left);
      } else {
        writers.delete(key);
        sealing.get(key)?.();
      }
    },
    /** Refuses new writes to `key` and resolves once the writes in flight are done. */
    async enterSeal(key: string): Promise<void> {
      if (sealing.has(key)) throw storeError('BlobBeingSealed', `The staging blob '${key}' is being sealed.`);
      let drained!: () => void;
      const done = new Promise<void>((resolve) => (drained = resolve));
      sealing.set(key, drained);
      if (!writers.has(key)) drained();
      await done;
    },
    leaveSeal(key: string): void {
      sealing.delete(key);
    },
  };
}

export function createFsBlobStore(region: string, dir: string): BlobStore {
  const objectsDir = path.join(dir, 'objects');
  const indexDir = path.join(dir, 'index');
  const stagingDir = path.join(dir, '.staging');
  const tmpDir = path.join(dir, '.tmp');
  const objectPath = (object: string) => path.join(objectsDir, object);
  const indexPath = (key: string) => path.join(indexDir, hashName(key));
  const stagingPath = (key: string) => path.join(stagingDir, hashName(key));
  const tmpPath = () => path.join(tmpDir, randomUUID());
  const gate = createSealGate();

  async function readRecordFile(file: string): Promise<BlobRecord | undefined> {
    try {
      return JSON.parse(await readFile(file, 'utf8')) as BlobRecord;
    } catch (error) {
      if (isCode(error, 'ENOENT')) return undefined;
      throw error;
    }
  }

  const readRecord = (key: string) => readRecordFile(indexPath(key));

  async function readAllRecords(): Promise<BlobRecord[]> {
    const names = await readdir(indexDir);
    const records = await Promise.all(names.map((name) => readRecordFile(path.join(indexDir, name))));
    return records.filter((record): record is BlobRecord => record !== undefined);
  }

  let claim: DirectoryClaim | undefined;

  /** Claims the directory and removes what a crash can leave behind (see the file comment). */
  async function sweep(): Promise<void> {
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
    await makeOwnerOnly(dir);
    claim ??= await claimDirectory(dir);
    await rm(tmpDir, { recursive: true, force: true });
    await Promise.all(
      [objectsDir, indexDir, stagingDir, tmpDir].map((d) => mkdir(d, { recursive: true, mode: DIR_MODE })),
    );
    const records = await readAllRecords();
    const named = new Set(records.map((record) => record.object));
    for (const object of await readdir(objectsDir)) {
      if (!named.has(object)) await unlink(objectPath(object));
    }
    // A seal that committed its record but died before unlinking the staging file leaves that
    // file as a second name of the sealed object.
    const sealedInodes = new Set<bigint>();
    for (const record of records) sealedInodes.add((await stat(objectPath(record.object), { bigint: true })).ino);
    for (const name of await readdir(stagingDir)) {
      const file = path.join(stagingDir, name);
      if (sealedInodes.has((await stat(file, { bigint: true })).ino)) await unlink(file);
    }
  }

  let opening: Promise<void> | undefined;
  const ready = (): Promise<void> =>
    (opening ??= sweep().catch((error: unknown) => {
      opening = undefined;
      throw error;
    }));

  /**
   * Makes `record` the key's record once its object is durable: exclusively (link fails if the key
   * exists) or replacing the old record (rename). Returns the replaced record.
   */
  async function commitRecord(record: BlobRecord, overwrite: boolean): Promise<BlobRecord | undefined> {
    const tmp = tmpPath();
    const handle = await open(tmp, 'wx', FILE_MODE);
    try {
      await handle.writeFile(JSON.stringify(record));
      await handle.sync();
    } finally {
      await handle.close();
    }
    let replaced: BlobRecord | undefined;
    try {
      if (overwrite) {
        replaced = await readRecord(record.key);
        await rename(tmp, indexPath(record.key));
      } else {
        await link(tmp, indexPath(record.key));
      }
    } catch (error) {
      if (isCode(error, 'EEXIST')) throw storeError('BlobAlreadyExists', `The blob '${record.key}' already exists.`);
      throw error;
    } finally {
      await rm(tmp, { force: true });
    }
    await syncDirectory(indexDir);
    return replaced;
  }

  /** Commits `record` for an object already in objects/, removing the object if that fails. */
  async function publish(record: BlobRecord, overwrite: boolean): Promise<BlobInfo> {
    await syncDirectory(objectsDir);
    let replaced: BlobRecord | undefined;
    try {
      replaced = await commitRecord(record, overwrite);
    } catch (error) {
      await rm(objectPath(record.object), { force: true });
      throw error;
    }
    if (replaced !== undefined && replaced.object !== record.object)
      await rm(objectPath(replaced.object), { force: true });
    return toInfo(record);
  }

  async function refuseExisting(key: string): Promise<void> {
    if ((await readRecord(key)) !== undefined)
      throw storeError('BlobAlreadyExists', `The blob '${key}' already exists.`);
  }

  async function openStaging(key: string, flags: string): Promise<FileHandle> {
    try {
      return await open(stagingPath(key), flags);
    } catch (error) {
      if (isCode(error, 'ENOENT')) throw storeError('BlobNotFound', `The staging blob '${key}' does not exist.`);
      throw error;
    }
  }

  async function openObject(key: string): Promise<FileHandle> {
    const record = await readRecord(key);
    if (record === undefined) throw storeError('BlobNotFound', `The blob '${key}' does not exist.`);
    return open(objectPath(record.object), 'r');
  }

  return {
    region,

    async put(key, content, options) {
      checkKey(key);
      await ready();
      const overwrite = options?.overwrite === true;
      // Checked up front too so a refused upload is not streamed to disk first.
      if (!overwrite) await refuseExisting(key);
      const tmp = tmpPath();
      const object = randomUUID();
      const hash = createHash('sha256');
      let size = 0;
      try {
        const handle = await open(tmp, 'wx', FILE_MODE);
        try {
          for await (const chunk of chunksOf(content)) {
            hash.update(chunk);
            await writeAll(handle, chunk, size);
            size += chunk.length;
          }
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(tmp, objectPath(object));
      } catch (error) {
        await rm(tmp, { force: true });
        throw error;
      }
      const lastModified = new Date().toISOString();
      return publish({ key, size, sha256: hash.digest('hex'), object, lastModified }, overwrite);
    },

    async stat(key) {
      checkKey(key);
      await ready();
      const record = await readRecord(key);
      return record === undefined ? undefined : toInfo(record);
    },

    open: ready,

    async close() {
      await opening?.catch(() => undefined);
      opening = undefined;
      await claim?.release();
      claim = undefined;
    },

    async localPath(key) {
      checkKey(key);
      await ready();
      const record = await readRecord(key);
      return record === undefined ? undefined : objectPath(record.object);
    },

    read(key, range) {
      checkKey(key);
      return fileStream(async () => {
        await ready();
        return openObject(key);
      }, range);
    },

    async copy(fromKey, toKey) {
      checkKey(fromKey);
      checkKey(toKey);
      await ready();
      const source = await readRecord(fromKey);
      if (source === undefined) throw storeError('BlobNotFound', `The blob '${fromKey}' does not exist.`);
      await refuseExisting(toKey);
      const object = randomUUID();
      try {
        await link(objectPath(source.object), objectPath(object));
      } catch (error) {
        if (isCode(error, 'ENOENT')) throw storeError('BlobNotFound', `The blob '${fromKey}' does not exist.`);
        // Hard links can be unsupported or at their limit; a clone (or a plain copy) is still whole
        // once in objects/ because it is made under .tmp first.
        const tmp = tmpPath();
        try {
          await copyFile(objectPath(source.object), tmp, constants.COPYFILE_FICLONE);
          const handle = await open(tmp, 'r');
          // A copy takes its source's mode, which an older Kiln made 0644.
          await handle
            .chmod(FILE_MODE)
            .then(() => handle.sync())
            .finally(() => handle.close());
          await rename(tmp, objectPath(object));
        } catch (copyError) {
          await rm(tmp, { force: true });
          throw copyError;
        }
      }
      const lastModified = new Date().toISOString();
      return publish({ ...source, key: toKey, object, lastModified }, false);
    },

    async delete(key) {
      checkKey(key);
      await ready();
      const record = await readRecord(key);
      if (record === undefined) return;
      await rm(indexPath(key), { force: true });
      await syncDirectory(indexDir);
      await rm(objectPath(record.object), { force: true });
    },

    async list(prefix) {
      await ready();
      const records = await readAllRecords();
      return records
        .filter((record) => record.key.startsWith(prefix))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        .map(toInfo);
    },

    async createStaging(key, size) {
      checkKey(key);
      if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`Invalid staging blob size ${size}.`);
      await ready();
      await refuseExisting(key);
      const tmp = tmpPath();
      try {
        const handle = await open(tmp, 'wx', FILE_MODE);
        try {
          await handle.truncate(size);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await link(tmp, stagingPath(key));
      } catch (error) {
        if (isCode(error, 'EEXIST')) throw storeError('BlobAlreadyExists', `The staging blob '${key}' already exists.`);
        throw error;
      } finally {
        await rm(tmp, { force: true });
      }
      await syncDirectory(stagingDir);
    },

    async writeStaging(key, offset, content) {
      checkKey(key);
      if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`Invalid staging write offset ${offset}.`);
      await ready();
      gate.enterWrite(key);
      try {
        const handle = await openStaging(key, 'r+');
        try {
          const { size } = await handle.stat();
          let position = offset;
          for await (const chunk of chunksOf(content)) {
            if (position + chunk.length > size) {
              throw storeError(
                'InvalidPageRange',
                `Writing past the end (${size} bytes) of the staging blob '${key}'.`,
              );
            }
            await writeAll(handle, chunk, position);
            position += chunk.length;
          }
          await handle.datasync();
        } finally {
          await handle.close();
        }
      } finally {
        gate.leaveWrite(key);
      }
    },

    async stagingSize(key) {
      checkKey(key);
      await ready();
      try {
        return (await stat(stagingPath(key))).size;
      } catch (error) {
        if (isCode(error, 'ENOENT')) return undefined;
        throw error;
      }
    },

    readStaging(key, range) {
      checkKey(key);
      return fileStream(async () => {
        await ready();
        return openStaging(key, 'r');
      }, range);
    },

    async seal(key) {
      checkKey(key);
      await ready();
      await gate.enterSeal(key);
      try {
        await refuseExisting(key);
        const hash = createHash('sha256');
        let size = 0;
        const handle = await openStaging(key, 'r');
        try {
          for await (const chunk of handle.createReadStream({ autoClose: false })) {
            hash.update(chunk as Buffer);
            size += (chunk as Buffer).length;
          }
          await handle.sync();
        } finally {
          await handle.close();
        }
        // A link, not a rename: until the record is committed the staging file must stay, so a crash
        // loses no upload; after, the sweep recognises the leftover name by its inode.
        const object = randomUUID();
        await link(stagingPath(key), objectPath(object));
        const lastModified = new Date().toISOString();
        const info = await publish({ key, size, sha256: hash.digest('hex'), object, lastModified }, false);
        await rm(stagingPath(key), { force: true });
        await syncDirectory(stagingDir);
        return info;
      } finally {
        gate.leaveSeal(key);
      }
    },

    async deleteStaging(key) {
      checkKey(key);
      await ready();
      await rm(stagingPath(key), { force: true });
      await syncDirectory(stagingDir);
    },
  };
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
