/**
 * What a data folder's region stores persisted between two moments: every regular file under
 * `<data>/regions/<region>/`, known by its inode, so a hard link or a record copy of existing bytes
 * is not counted as new. New bytes are the sizes of inodes that were not there before, plus what
 * files already there grew by; they are summed per region and per top-level folder of the store
 * (the store's layout: chunks/, index/, objects/ …). Files deleted in between are not counted:
 * this is what stays on disk, not what was written on the way.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

interface FileEntry {
  /** `<region>/<top-level folder>`, or `<region>` for a file at the store's top. */
  place: string;
  size: number;
}

export type StoreCensus = Map<string, FileEntry>;

export async function takeCensus(dataDir: string): Promise<StoreCensus> {
  const census: StoreCensus = new Map();
  const regionsDir = join(dataDir, 'regions');
  /** Adds the files under `dir`; `place` is where they count, undefined at a store's top (each folder there is a place). */
  const walk = async (dir: string, region: string, place?: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // removed while walking
      throw error;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path, region, place ?? `${region}/${entry.name}`);
      if (!entry.isFile()) continue;
      const info = await stat(path, { bigint: true }).catch(() => undefined);
      if (info) census.set(`${info.dev}:${info.ino}`, { place: place ?? region, size: Number(info.size) });
    }
  };
  for (const region of await readdir(regionsDir, { withFileTypes: true }))
    if (region.isDirectory()) await walk(join(regionsDir, region.name), region.name);
  return census;
}

export interface NewBytes {
  /** Per place (`westus/chunks`), new files and bytes. */
  places: Map<string, { files: number; bytes: number }>;
  total: number;
}

export function newBytes(before: StoreCensus, after: StoreCensus): NewBytes {
  const places = new Map<string, { files: number; bytes: number }>();
  let total = 0;
  for (const [inode, file] of after) {
    const old = before.get(inode);
    const grown = old === undefined ? file.size : Math.max(0, file.size - old.size);
    if (grown === 0) continue;
    const place = places.get(file.place) ?? { files: 0, bytes: 0 };
    place.files += old === undefined ? 1 : 0;
    place.bytes += grown;
    places.set(file.place, place);
    total += grown;
  }
  return { places, total };
}
