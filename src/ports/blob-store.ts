/**
 * Disk bytes of one region. Blobs are written once (sealed) and never modified afterwards, so a
 * copy can share storage with its source; uploads in progress are staging blobs that take random
 * page writes until they are sealed.
 */
import type { Readable } from 'node:stream';
import type { ChunkRun } from '../core/content-id.ts';

export interface BlobInfo {
  key: string;
  size: number;
  /**
   * The content's name (`core/content-id.ts`): the sha256 of the bytes for a blob of at most one
   * chunk (4 MiB), else the sha256 of its chunk list. Equal contents have equal names in every store.
   */
  sha256: string;
  /** When the blob was sealed, where the store records it. */
  lastModified?: Date;
}

export interface ByteRange {
  /** Inclusive start offset. */
  start: number;
  /** Inclusive end offset. */
  end: number;
}

export interface BlobStore {
  /** Region this store holds. */
  readonly region: string;
  /**
   * The largest staging blob (a disk being created or uploaded, with its footer) the store makes, in
   * bytes; undefined when it makes any size Kiln allows (a 32,767 GiB disk). Disk requests past it are
   * refused up front, naming the region and the limit.
   */
  readonly maxStagingBytes?: number;
  /**
   * Makes the store ready now rather than at its first use: a folder store claims its folder for
   * this process (and sweeps it), so a second process on the same folder fails at its start.
   */
  open(): Promise<void>;
  /** Gives up what opening took (a folder store's claim); a later use opens the store again. */
  close(): Promise<void>;
  /**
   * Resolves when the opened store can serve now, by one cheap call that moves no blob (a folder
   * store: its folders are there and usable; Azure: the container answers, no retries), for
   * readiness checks: a stat of an absent key cannot tell, since a folder store answers "absent"
   * from a removed folder too. Otherwise rejects with an Error whose `code` names the cause
   * (`ENOENT`, `ECONNREFUSED`, `ContainerNotFound`, ...); `signal` abandons the call.
   */
  probe(signal?: AbortSignal): Promise<void>;
  /**
   * Streams `content` into a new sealed blob. Fails if `key` exists, unless `overwrite`, which
   * replaces it atomically: readers get the old or the new blob, never a mix (Azure's Put Blob).
   * `like` names the chunks of content this one probably differs little from, place by place (a
   * build's source): a store keeping chunks may keep a chunk as the blocks where it differs from
   * that one. What reads back, and the blob's content name, are the same either way.
   */
  put(
    key: string,
    content: Readable | Buffer,
    options?: { overwrite?: boolean; like?: readonly ChunkRun[] },
  ): Promise<BlobInfo>;
  /** Sealed blob metadata, or undefined when absent. */
  stat(key: string): Promise<BlobInfo | undefined>;
  read(key: string, range?: ByteRange): Readable;
  /**
   * Where a store has one: a reader of many small ranges of the sealed blob `key` (a build's source,
   * read where it is by e2fsck and a VM), each as `read` would give it but without finding the blob
   * again per range. The blob's bytes are those when the first range was read: a range read after
   * it was replaced or deleted fails instead of mixing two blobs.
   */
  rangeReader?(key: string): (offset: number, length: number) => Promise<Buffer>;
  /**
   * Makes `toKey` a sealed blob with the content of the sealed `fromKey`, or of its inclusive byte
   * `range` (the end clipped to the blob as a read's is; a start past its end is refused with
   * InvalidRange). Fails like a put if `toKey` exists. Stores share storage instead of moving bytes
   * where they can: a whole copy everywhere; a range in a store that keeps blobs as chunks when it
   * falls on chunk boundaries (starts at a multiple of CHUNK_SIZE, ends before one or at the blob's
   * end); other ranges may be read and put.
   */
  copy(fromKey: string, toKey: string, range?: ByteRange): Promise<BlobInfo>;
  /**
   * The sealed blob's chunk names in order, as `contentId` takes them: its CHUNK_SIZE chunks (the
   * last one shorter) as runs, zeros named by `zeroChunkSha`. Given only by a store that keeps the
   * blob as chunks, so callers can work on chunks (`copy` of a chunk's range) without reading the
   * blob; undefined when the store does not (the blob must then be read) or the blob is absent.
   */
  chunks(key: string): Promise<ChunkRun[] | undefined>;
  /**
   * Makes `key` a sealed blob holding exactly the chunk named `sha` (the sha256 of its bytes) when the
   * store already holds that content, without moving bytes: a chunk of any blob, of the CHUNK_SIZE it
   * has or of the length of the short last chunk it ended a blob with, or CHUNK_SIZE zeros
   * (`zeroChunkSha(CHUNK_SIZE)`). Undefined when it does not, and then nothing is made: the caller
   * copies the bytes. Shorter zeros are never adopted, their length not being known from their name
   * alone (they cost a caller at most one short chunk per blob). Fails like a copy if `key` exists;
   * a store that adopts nothing (one keeping whole blobs) answers undefined without looking.
   */
  adopt(key: string, sha: string): Promise<BlobInfo | undefined>;
  /**
   * Makes `key` a sealed blob of `size` bytes whose CHUNK_SIZE chunks (the last one shorter) are
   * `runs`, as `chunks` lists them, when the store holds the content of every chunk named (zeros
   * need none), without moving bytes: a gallery version's manifest made a disk again. Undefined when
   * it lacks one, and then nothing is made: the caller writes the bytes. The caller vouches for the
   * runs (a manifest made from a blob): each names content of the length its place takes. Fails like
   * a copy if `key` exists, and with a RangeError when the runs do not count the chunks of `size`
   * bytes; a store that keeps whole blobs answers undefined without looking.
   */
  assemble(key: string, size: number, runs: readonly ChunkRun[]): Promise<BlobInfo | undefined>;
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<BlobInfo[]>;
  /**
   * Makes `toKey` a sealed blob with the content of the sealed `fromKey` of `source`, another store
   * of this kind whose bytes this one can reach (another region's folder on this machine), the
   * kernel copying the bytes and this store checking each chunk's sha256 as it lands. Undefined when
   * `source` is not such a store: the caller reads and puts. Fails like a put if `toKey` exists.
   * `like` is put's: content this store holds that the blob probably differs little from.
   */
  copyFrom?(
    source: BlobStore,
    fromKey: string,
    toKey: string,
    options?: { like?: readonly ChunkRun[] },
  ): Promise<BlobInfo | undefined>;
  /**
   * Writes the sealed blob's bytes up to `end` (clipped to the blob) to a new file at `path`
   * (replacing it, 0600), holes where it holds zero chunks, the kernel copying the bytes from where
   * the store keeps them. Offered by a store of local files, where it is several times faster than
   * a read and write through this process; others leave it out and the caller reads the blob.
   */
  writeToFile?(key: string, path: string, end: number): Promise<void>;

  /** Creates a zero-filled staging blob of `size` bytes for random writes (the disk upload flow). */
  createStaging(key: string, size: number): Promise<void>;
  writeStaging(key: string, offset: number, content: Readable | Buffer): Promise<void>;
  /** Size of a staging blob, or undefined when absent. */
  stagingSize(key: string): Promise<number | undefined>;
  readStaging(key: string, range?: ByteRange): Readable;
  /** Atomically turns the staging blob into the sealed blob `key` and computes its sha256. */
  seal(key: string): Promise<BlobInfo>;
  deleteStaging(key: string): Promise<void>;
}

/** Every region's store, by lower-cased region name. */
export interface RegionStores {
  regions(): string[];
  get(region: string): BlobStore | undefined;
}
