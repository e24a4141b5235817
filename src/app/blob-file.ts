/**
 * A sealed blob written out as a local file a user may boot or change: streamed from its region's
 * store and sparse (imaging/disk/sparse-file.ts), so memory stays flat however big it is and a
 * disk's unwritten space costs no blocks. The file is 0644: the user's own, not a store's.
 */
import { chmod } from 'node:fs/promises';
import { writeSparseFile } from '../imaging/disk/sparse-file.ts';
import { VHD_FOOTER_SIZE } from '../core/vhd.ts';
import type { BlobStore } from '../ports/blob-store.ts';

/** How a disk's VHD blob is written out: as the fixed VHD it is, or raw (its bytes without the 512-byte footer). */
export type DiskFileFormat = 'vhd' | 'raw';

/** Writes blob `key` of `store` to `path` (replacing it) as `format`, leaving holes where the blob holds zeros. */
export async function writeBlobFile(
  store: BlobStore,
  key: string,
  path: string,
  format: DiskFileFormat,
): Promise<void> {
  const info = await store.stat(key);
  if (!info) throw new Error(`The blob '${key}' in region '${store.region}' is gone.`);
  const range = format === 'raw' ? { start: 0, end: info.size - VHD_FOOTER_SIZE - 1 } : undefined;
  await writeSparseFile(store.read(key, range), path);
  await chmod(path, 0o644);
}
