/**
 * One claim at a time may own a region folder: a store's opening sweep deletes files no record
 * names, which would be another store's writes in flight (a `kiln build` next to a `kiln serve` on
 * the same data folder, or two stores on one folder in one process).
 *
 * The claim is a kernel lock, so claims cannot race and a claim dies with its process: `owner.lock`
 * in the folder is held under SQLite's exclusive lock (POSIX fcntl record locks, through
 * better-sqlite3, already Kiln's database driver) from `claimDirectory` until `release` or the
 * process's end; on kill -9 the kernel drops it. Why this lock and not another:
 *  - Node has no flock or fcntl; a native addon (fs-ext) must be compiled where prebuilt binaries
 *    cannot be downloaded, and a `flock` child process would hold the lock until it noticed that
 *    its parent died.
 *  - Bare fcntl locks belong to the process (a second claim in the same process would succeed) and
 *    all of them go when the process closes ANY descriptor of the file. SQLite's unix VFS tracks
 *    locks per file across its connections and keeps descriptors open while they are locked, so a
 *    second claim in this process conflicts as one from another process does.
 * Invariant: the lock file is opened only through SQLite, never with node:fs (a stray open and
 * close anywhere in the process would drop the lock). Nothing is ever written to it.
 *
 * `owner.pid` names the holder for the error message only and decides nothing: a pid file left by an
 * older Kiln, even naming a live unrelated process, is overwritten by the next claim.
 */
import Database from 'better-sqlite3';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export class DirectoryInUseError extends Error {
  constructor(dir: string, pid: number | undefined) {
    super(
      pid === process.pid
        ? `The folder ${dir} is already open in this process: two stores cannot share one folder.`
        : `The folder ${dir} is in use by another Kiln process${pid === undefined ? '' : ` (pid ${pid})`}: stop it, or give this command another data folder (--data).`,
    );
    this.name = 'DirectoryInUseError';
  }
}

export interface DirectoryClaim {
  /** Gives the folder up; the process's end does the same. */
  release(): Promise<void>;
}

/** Claims held now; kept reachable so that garbage collection never closes (and so releases) one. */
const held = new Set<Database.Database>();

/** Claims `dir`, which must exist, or fails at once with DirectoryInUseError. */
export async function claimDirectory(dir: string): Promise<DirectoryClaim> {
  const lockPath = path.join(dir, 'owner.lock');
  const pidPath = path.join(dir, 'owner.pid');
  // timeout 0: a held lock is the answer, not something to wait for.
  const lock = new Database(lockPath, { timeout: 0 });
  try {
    // A journal in memory: no -journal file beside the lock.
    lock.pragma('journal_mode = MEMORY');
    lock.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY')
      throw new DirectoryInUseError(dir, await holderPid(pidPath));
    throw error;
  }
  held.add(lock);
  const release = async () => {
    if (!held.delete(lock)) return;
    await rm(pidPath, { force: true });
    lock.exec('ROLLBACK');
    lock.close();
  };
  try {
    await chmod(lockPath, 0o600);
    await writeFile(pidPath, `${process.pid}\n`, { mode: 0o600 });
  } catch (error) {
    await release();
    throw error;
  }
  return { release };
}

async function holderPid(pidPath: string): Promise<number | undefined> {
  const pid = Number((await readFile(pidPath, 'utf8').catch(() => '')).trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
