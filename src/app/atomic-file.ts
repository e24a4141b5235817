import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDirectory, writeSyncedFile } from '../adapters/sync-directory.ts';

/**
 * Writes through a temporary sibling and a rename, so a crash or a concurrent reader never sees
 * a half-written key or certificate. The temp file is created with the final mode, so a secret
 * is never readable by others, not even for a moment. Durable when it returns: the temp file is
 * fsynced before the rename (else a power cut could leave the new name on empty blocks) and the
 * folder after it (else the rename itself could be lost).
 */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeSyncedFile(temp, data, mode);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dirname(path));
}
