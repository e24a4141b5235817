/**
 * The staging blobs of a folder store (uploads in progress taking page writes), each kept as the
 * map of its written chunks, `.staging/<hashName(key)>` (a StagingRecord), over the store's chunk
 * pool, and in memory from the store's opening on, so sealing lists the chunks without reading any.
 *
 * - Creating one is O(1) whatever its size: a record with nothing written; zeros exist nowhere.
 * - A page write replaces the chunks it touches: each is read (unless the write covers it whole),
 *   changed, put into the pool, and the record is replaced atomically (temp file and rename); only
 *   then is the old chunk's reference dropped, so a crash leaves the record before or after the
 *   write, naming chunks that exist. A chunk that becomes all zeros leaves the map.
 * - Writes to one chunk of a blob run one at a time (uploads send writes in parallel); writes to
 *   different chunks run together, and one record replacement commits every change made before it
 *   started, so parallel writers share replacements.
 * - Once deleted or sealed, a blob takes no change and no late replacement brings its record back.
 */
import { createHash, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { CHUNK_SIZE, toRuns, zeroChunkSha, type ChunkRun } from '../core/content-id.ts';
import type { ByteRange } from '../ports/blob-store.ts';
import { chunkPieces } from './chunk-cutter.ts';
import { chunkCount, chunkLength, hashName, placeFile, readRecordsIn, type StagingRecord } from './fs-blob-records.ts';
import { ZERO_BASE, type ChunkPool } from './fs-chunk-pool.ts';
import { createKeyedLock } from './keyed-lock.ts';
import { isCode, storeError } from './store-error.ts';
import { syncDirectory } from './sync-directory.ts';

export interface StagingBlob {
  /** The record's file name. */
  name: string;
  key?: string;
  id: string;
  size: number;
  written: Map<number, string>;
  /** Deleted or sealed. */
  gone: boolean;
  /** The record replacement under way (it never rejects). */
  saving: Promise<void>;
  /** The next replacement, which commits every change made before it starts. */
  queued?: Promise<void>;
}

const notFound = (key: string) => storeError('BlobNotFound', `The staging blob '${key}' does not exist.`);

export function createStagingArea(dir: string, tmpPath: () => string, pool: ChunkPool) {
  const blobs = new Map<string, StagingBlob>();
  const oneAtATime = createKeyedLock();
  const recordPath = (blob: StagingBlob) => path.join(dir, blob.name);
  const recordText = (blob: StagingBlob): string =>
    JSON.stringify({
      ...(blob.key === undefined ? {} : { key: blob.key }),
      id: blob.id,
      size: blob.size,
      written: Object.fromEntries(blob.written),
    } satisfies StagingRecord);

  /** Makes the blob's changes so far durable, joining a replacement that has not started yet. */
  function save(blob: StagingBlob): Promise<void> {
    blob.queued ??= (async () => {
      await blob.saving;
      blob.queued = undefined;
      if (blob.gone) return;
      const replacing = placeFile(tmpPath(), recordPath(blob), recordText(blob), false).then(() => syncDirectory(dir));
      blob.saving = replacing.catch(() => undefined);
      await replacing;
    })();
    return blob.queued;
  }

  /** Puts `piece` at byte `within` of chunk `index`. */
  async function writeChunk(key: string, blob: StagingBlob, index: number, within: number, piece: Buffer) {
    await oneAtATime(`${blob.id}/${index}`, async () => {
      if (blob.gone) throw notFound(key);
      const length = chunkLength(blob.size, index);
      const old = blob.written.get(index);
      let data = piece;
      // A piece of a chunk changes a few of its blocks: the chunk is kept as those over what it was.
      let like: string | undefined;
      if (piece.length < length) {
        data = old === undefined ? Buffer.alloc(length) : await pool.read(old, length);
        piece.copy(data, within);
        like = old ?? ZERO_BASE;
      }
      const sha = createHash('sha256').update(data).digest('hex');
      const zeros = sha === zeroChunkSha(length);
      if (!zeros) {
        await pool.hold(sha, data, like);
        await pool.sync();
      }
      if (blob.gone) {
        if (!zeros) await pool.release([sha]);
        throw notFound(key);
      }
      if (zeros) blob.written.delete(index);
      else blob.written.set(index, sha);
      // Should the replacement fail, the old chunk keeps its reference: kept too long, never lost.
      await save(blob);
      if (old !== undefined) await pool.release([old]);
    });
  }

  return {
    /**
     * Loads every staging record, removing those `isLeftover` picks (seals that died after committing
     * their sealed record); returns one reference per written chunk for the pool's counts.
     */
    async load(isLeftover: (record: StagingRecord) => boolean): Promise<string[]> {
      blobs.clear();
      const references: string[] = [];
      let removed = false;
      for (const { name, record } of await readRecordsIn<StagingRecord>(dir)) {
        if (isLeftover(record)) {
          await rm(path.join(dir, name), { force: true });
          removed = true;
          continue;
        }
        const written = new Map(Object.entries(record.written).map(([index, sha]) => [Number(index), sha]));
        for (const sha of written.values()) references.push(sha);
        blobs.set(name, {
          name,
          key: record.key,
          id: record.id,
          size: record.size,
          written,
          gone: false,
          saving: Promise.resolve(),
        });
      }
      if (removed) await syncDirectory(dir);
      return references;
    },

    get: (key: string): StagingBlob | undefined => blobs.get(hashName(key)),

    async create(key: string, size: number): Promise<void> {
      const name = hashName(key);
      if (blobs.has(name)) throw storeError('BlobAlreadyExists', `The staging blob '${key}' already exists.`);
      const blob: StagingBlob = {
        name,
        key,
        id: randomUUID(),
        size,
        written: new Map(),
        gone: false,
        saving: Promise.resolve(),
      };
      try {
        await placeFile(tmpPath(), recordPath(blob), recordText(blob), true);
      } catch (error) {
        if (isCode(error, 'EEXIST')) throw storeError('BlobAlreadyExists', `The staging blob '${key}' already exists.`);
        throw error;
      }
      blobs.set(name, blob);
      await syncDirectory(dir);
    },

    async write(key: string, offset: number, content: Readable | Buffer): Promise<void> {
      const blob = blobs.get(hashName(key));
      if (blob === undefined) throw notFound(key);
      const pastEnd = () =>
        storeError('InvalidPageRange', `Writing past the end (${blob.size} bytes) of the staging blob '${key}'.`);
      if (Buffer.isBuffer(content) && offset + content.length > blob.size) throw pastEnd();
      let position = offset;
      for await (const piece of chunkPieces(content, offset)) {
        if (position + piece.length > blob.size) throw pastEnd();
        const index = Math.floor(position / CHUNK_SIZE);
        await writeChunk(key, blob, index, position - index * CHUNK_SIZE, piece);
        position += piece.length;
      }
    },

    /** Every chunk in order, the gaps between written chunks as zero chunks: O(written chunks). */
    runs(blob: StagingBlob): ChunkRun[] {
      const count = chunkCount(blob.size);
      const last = count - 1;
      const runs: ChunkRun[] = [];
      const zerosUpTo = (from: number, to: number) => {
        const shortLast = to === count && to > from && chunkLength(blob.size, last) < CHUNK_SIZE;
        runs.push({ sha: zeroChunkSha(CHUNK_SIZE), count: to - from - (shortLast ? 1 : 0) });
        if (shortLast) runs.push({ sha: zeroChunkSha(chunkLength(blob.size, last)), count: 1 });
      };
      let next = 0;
      for (const index of [...blob.written.keys()].sort((a, b) => a - b)) {
        zerosUpTo(next, index);
        runs.push({ sha: blob.written.get(index)!, count: 1 });
        next = index + 1;
      }
      zerosUpTo(next, count);
      return toRuns(runs);
    },

    /** The bytes of `range` of a staging blob as they are when the first byte is read. */
    async *read(key: string, range: ByteRange | undefined): AsyncGenerator<Buffer> {
      const blob = blobs.get(hashName(key));
      if (blob === undefined) throw notFound(key);
      const first = Math.floor((range?.start ?? 0) / CHUNK_SIZE);
      const last = Math.floor(Math.min(range?.end ?? blob.size, blob.size - 1) / CHUNK_SIZE);
      const chunks = new Map<number, string>();
      for (const [index, sha] of blob.written) if (index >= first && index <= last) chunks.set(index, sha);
      // The blob holds each, so the readers' references are taken in the same step as the list.
      const held = new Set(chunks.values());
      if (!pool.pin(held)) throw new Error(`The staging blob '${key}' names chunks the store does not have.`);
      try {
        yield* pool.bytes(blob.size, range, (index) => chunks.get(index));
      } finally {
        await pool.release(held);
      }
    },

    /** Deletes the blob (once sealed, or by request) and drops its chunks' references. */
    async remove(blob: StagingBlob): Promise<void> {
      if (blob.gone) return;
      blob.gone = true;
      if (blobs.get(blob.name) === blob) blobs.delete(blob.name);
      await blob.queued?.catch(() => undefined);
      await blob.saving;
      await rm(recordPath(blob), { force: true });
      await syncDirectory(dir);
      await pool.release(blob.written.values());
    },
  };
}
