/**
 * A rename, link or new file is durable only once its directory is fsynced: until then a power cut
 * may lose the entry even though the file's own bytes were synced.
 */
import { open } from 'node:fs/promises';

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
