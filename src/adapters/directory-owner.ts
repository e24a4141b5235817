/**
 * One process at a time may own a region folder: a store's opening sweep deletes files no record
 * names, which would be another live process's writes in flight (a `kiln build` next to a
 * `kiln serve` on the same data folder). The owner is a pid file; a dead owner's claim is taken over,
 * so kill -9 never locks a folder for good.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export class DirectoryInUseError extends Error {
  constructor(dir: string, pid: number) {
    super(`The folder ${dir} is in use by another Kiln process (pid ${pid}): stop it, or give this command another data folder (--data).`);
    this.name = 'DirectoryInUseError';
  }
}

export async function claimDirectory(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const owner = path.join(dir, 'owner.pid');
  for (;;) {
    try {
      await writeFile(owner, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number((await readFile(owner, 'utf8').catch(() => '')).trim());
    // This process reopening its own folder (a restart in place) owns it already.
    if (pid === process.pid) return;
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) throw new DirectoryInUseError(dir, pid);
    // Stale or unreadable: replace it, racing fairly with any other process doing the same.
    await writeFile(`${owner}.${process.pid}`, `${process.pid}\n`);
    await rename(`${owner}.${process.pid}`, owner);
    if (Number((await readFile(owner, 'utf8')).trim()) === process.pid) return;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
