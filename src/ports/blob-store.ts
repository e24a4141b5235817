/**
 * Disk bytes of one region. Blobs are written once (sealed) and never modified afterwards, so a
 * copy can share storage with its source; uploads in progress are staging blobs that take random
 * page writes until they are sealed.
 */
import type { Readable } from 'node:stream';

export interface BlobInfo {
  key: string;
  size: number;
  /** Hex sha256 of the whole content, computed when the blob was sealed. */
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
   * Makes the store ready now rather than at its first use: a folder store claims its folder for
   * this process (and sweeps it), so a second process on the same folder fails at its start.
   */
  open(): Promise<void>;
  /** Gives up what opening took (a folder store's claim); a later use opens the store again. */
  close(): Promise<void>;
  /**
   * Streams `content` into a new sealed blob. Fails if `key` exists, unless `overwrite`, which
   * replaces it atomically: readers get the old or the new blob, never a mix (Azure's Put Blob).
   */
  put(key: string, content: Readable | Buffer, options?: { overwrite?: boolean }): Promise<BlobInfo>;
  /** Sealed blob metadata, or undefined when absent. */
  stat(key: string): Promise<BlobInfo | undefined>;
  read(key: string, range?: ByteRange): Readable;
  /** Makes `toKey` a sealed blob with the same content as the sealed `fromKey` (cheap where possible). */
  copy(fromKey: string, toKey: string): Promise<BlobInfo>;
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<BlobInfo[]>;
  /**
   * The file holding a sealed blob's bytes when they sit on this machine (undefined otherwise), so
   * a local user can point file tools (qemu-img, a hypervisor) at it. Read-only: never written.
   */
  localPath(key: string): Promise<string | undefined>;

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
