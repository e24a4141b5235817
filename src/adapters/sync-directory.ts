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

/**
 * A `syncDirectory(dir)` shared by callers who ask at about the same time (group commit): a call
 * resolves after an fsync of `dir` that started after the call, the one under way if none is, else
 * the next, which every call made meanwhile shares. So chunks or records written together by
 * concurrent copies cost one directory fsync instead of one each. `syncOnce` is the fsync (tests
 * give their own).
 */
export function sharedDirectorySync(
  dir: string,
  syncOnce: (dir: string) => Promise<void> = syncDirectory,
): () => Promise<void> {
  let current: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  const ignore = () => undefined;
  const run = (): Promise<void> => {
    const sync = syncOnce(dir);
    current = sync;
    void sync.then(ignore, ignore).then(() => {
      if (current === sync) current = undefined;
    });
    return sync;
  };
  return () => {
    if (current === undefined) return run();
    // The fsync under way may have started before this caller's change: it takes the next one.
    queued ??= current.then(ignore, ignore).then(() => {
      queued = undefined;
      return run();
    });
    return queued;
  };
}
