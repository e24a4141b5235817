/**
 * Tightens what an older Kiln left readable: Kiln's files and folders are their owner's alone.
 */
import { chmod, stat } from 'node:fs/promises';

/**
 * Takes the group's and others' permissions off `path` (0644 becomes 0600, 0755 becomes 0700) and
 * keeps the owner's; a missing path is left alone. Nothing changes when nothing is granted to
 * others, so a folder Kiln may use but not own (a region folder the operator made 0700) stays as is.
 */
export async function makeOwnerOnly(path: string): Promise<void> {
  let mode: number;
  try {
    mode = (await stat(path)).mode & 0o7777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if ((mode & 0o077) !== 0) await chmod(path, mode & ~0o077);
}
