/**
 * A run's bounded disk space: `<work>/space`, the mount point of an ext4 file system in the sparse
 * file `<work>/space.ext4` whose size is the run's disk limit (disk-limit.ts). Everything the run
 * writes from its source on (the fetched image, the raw disk the build changes in place and what
 * customizers add to it, the built VHD) lives there, so the run takes at most that much of the
 * host's disk, however much it tries: past it, writes fail with ENOSPC. The run's log stays outside
 * (in the region store, image-templates/run/live-log.ts), so it can still say why.
 *
 * - The file system is Kiln's own (made here, empty): the kernel never mounts image content.
 * - Mounted nosuid and nodev: a setuid file or device node an image holds is inert on the host too,
 *   not only inside the sandboxes. No journal and no reserved blocks: the space is scratch, a crash
 *   discards it, and every byte of the limit is the run's.
 * - Needs root, as extracting an image does anyway.
 * - A killed process leaves the mount behind: `removeRunWork` unmounts whatever is mounted under a
 *   run's folder before removing it, and every place that removes a run's folder goes through it.
 */
import { realpathSync } from 'node:fs';
import { mkdir, readFile, rm, statfs, writeFile, truncate } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { run } from './run.ts';

const MIB = 1024 * 1024;
/** ext4 inodes: one per 8 KiB, twice mke2fs's default density, for trees of many small files. */
const BYTES_PER_INODE = 8192;

export const runSpace = (work: string) => join(work, 'space');
const backingFile = (work: string) => join(work, 'space.ext4');

/** Makes and mounts the run's space of `bytes`; returns its path. */
export async function mountRunSpace(work: string, bytes: number): Promise<string> {
  if (process.getuid?.() !== 0)
    throw new Error("Bounding a run's disk space needs root: it is a file system Kiln mounts.");
  const space = runSpace(work);
  const file = backingFile(work);
  await releaseRunSpace(work);
  await writeFile(file, '');
  await truncate(file, bytes);
  // The file is new and all zeros, so inode tables need no zeroing, now (lazy_itable_init) or after mounting (noinit_itable).
  await run('mkfs.ext4', [
    '-q',
    '-F',
    '-O',
    '^has_journal',
    '-m',
    '0',
    '-i',
    String(BYTES_PER_INODE),
    '-E',
    'lazy_itable_init=1,nodiscard',
    file,
  ]);
  await mkdir(space, { recursive: true });
  await run('mount', ['-t', 'ext4', '-o', 'loop,nosuid,nodev,noatime,noinit_itable', file, space]);
  return space;
}

/** Unmounts the run's space (if mounted) and deletes it, whatever it holds. */
export async function releaseRunSpace(work: string): Promise<void> {
  const space = runSpace(work);
  for (const mountPoint of (await mountsUnder(space)).reverse()) {
    // Lazy: a process that still holds a file there keeps its copy of the file system until it exits.
    await run('umount', ['--lazy', mountPoint]);
  }
  await rm(space, { recursive: true, force: true });
  await rm(backingFile(work), { force: true });
}

/** Removes a run's working folder, unmounting its space first: a plain rm would empty the mounted file system and then fail. */
export async function removeRunWork(work: string): Promise<void> {
  await releaseRunSpace(work);
  await rm(work, { recursive: true, force: true });
}

/** True once the space is all but full: writes that failed for want of room are why a step failed. */
export const runSpaceFull = (work: string): Promise<boolean> => fileSystemFull(runSpace(work));

/** True once the file system mounted at `path` has (all but) no free blocks or no free inodes. */
export async function fileSystemFull(path: string): Promise<boolean> {
  const stats = await statfs(path).catch(() => undefined);
  if (!stats) return false;
  const free = stats.bavail * stats.bsize;
  return stats.ffree === 0 || free < Math.max(MIB, (stats.blocks * stats.bsize) / 100);
}

/** Mount points at or below `path`, outermost first, from this process's mount table. */
async function mountsUnder(path: string): Promise<string[]> {
  const target = realPath(path);
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  return (
    table
      .split('\n')
      .map((line) => line.split(' ')[4])
      .filter((field): field is string => field !== undefined)
      // The kernel writes space, tab, newline and backslash in paths as octal escapes.
      .map((field) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
      .filter((mountPoint) => mountPoint === target || mountPoint.startsWith(`${target}/`))
  );
}

/** The path with symlinks resolved, as the mount table names it; as given when it does not exist. */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}
