/**
 * Durability on disk: a new file's bytes are durable once the file is fsynced, and a rename, link or
 * new file only once its directory is fsynced too: until then a power cut may lose the entry even
 * though the file's own bytes were synced.
 */
import { open } from 'node:fs/promises';

/** Writes `data` to the new file `file` (created with `mode`, owner-only unless told) and fsyncs it. */
export async function writeSyncedFile(file: string, data: string | Buffer, mode = 0o600): Promise<void> {
  const handle = await open(file, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
