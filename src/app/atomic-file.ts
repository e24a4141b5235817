import { randomBytes } from 'node:crypto';
import { link, rename, rm } from 'node:fs/promises';
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

/**
 * Writes `path` only if nothing is there, as `writeFileAtomic` does otherwise: the complete temp file
 * is hard-linked to the name, which fails if the name exists, so of processes racing to create one
 * file (nodes sharing a config folder) exactly one wins and none overwrites. Whether this call wrote it.
 */
export async function writeFileOnce(path: string, data: string, mode: number): Promise<boolean> {
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeSyncedFile(temp, data, mode);
    await link(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
  await syncDirectory(dirname(path));
  return true;
}
