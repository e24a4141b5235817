/**
 * A sealed blob written out as a local file a user may boot or change: streamed from its region's
 * store and sparse (imaging/disk/sparse-file.ts), so memory stays flat however big it is and a
 * disk's unwritten space costs no blocks. The file is 0644: the user's own, not a store's.
 */
import { chmod } from 'node:fs/promises';
import { writeSparseFile } from '../imaging/disk/sparse-file.ts';
import type { BlobStore } from '../ports/blob-store.ts';

/** Writes blob `key` of `store` to `path` (replacing it), leaving holes where the blob holds zeros. */
export async function writeBlobFile(store: BlobStore, key: string, path: string): Promise<void> {
  await writeSparseFile(store.read(key), path);
  await chmod(path, 0o644);
}
