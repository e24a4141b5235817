/**
 * A root file system opened in place: the ext2/3/4 partition of a raw disk, mounted through FUSE and
 * served by e2fsprogs' fuse2fs, so a build changes exactly the blocks its steps change. The partition
 * table, boot sectors, boot loader files (extlinux's `ldlinux.sys` stays where its boot sector points),
 * other partitions, the file system's UUID and features, extended attributes, ACLs, file capabilities,
 * hard links and sparse files all stay as they were.
 *
 * Invariants:
 * - The host kernel never parses image content: its FUSE driver only passes requests to fuse2fs,
 *   which is the same libext2fs e2fsck and debugfs use, and runs confined like them (confine.ts): no
 *   capabilities, no network, in its own cgroup with the disk tools' limits; it reaches the raw disk
 *   file and /dev/fuse, nothing else of the host.
 * - fuse2fs cannot mount (no CAP_SYS_ADMIN): Kiln mounts the FUSE connection on the host with
 *   `mount -i -t fuse -o fd=…` and hands the connection to the confined tree as fd 4, where
 *   `fusermount-fd.py` stands in for libfuse's fusermount and passes it on.
 * - The file system is checked (`checkRootFs`: clean journal, fits its partition, `e2fsck -fn`) before
 *   it is opened; `e2fsck -fn` only once per content (checked-roots.ts).
 * - Kiln keeps no copy of the connection once fuse2fs has it: if fuse2fs dies, the kernel aborts the
 *   connection and every access fails with ENOTCONN instead of hanging. `abandon` (cancel, failure)
 *   kills it and detaches the mount; `close` unmounts, waits for fuse2fs to write everything back and
 *   exit, and fails unless it exited cleanly.
 * - The mount is nosuid and nodev on the host; bubblewrap binds it nosuid for the customizers too.
 */
import { mkdir, rmdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { bubblewrap } from '../bubblewrap.ts';
import { createSandboxCgroup } from '../limits/cgroup.ts';
import { confinedArgs, findTool, type ToolAccess } from './confine.ts';
import { checkRootFs } from './ext4.ts';
import { answering, checkFuseHost, detach, FUSERMOUNT_PROGRAMS, mountAndServe, within } from './fuse-server.ts';
import type { RootPartition } from './partitions.ts';
import { run, TOOL_LIMITS } from './run.ts';

/** libfuse wants an empty folder to name as its mount point, though the mount is Kiln's. */
const DAEMON_MOUNT_POINT = '/kiln/mnt';
/** How long fuse2fs gets to answer its first request, and to write back and exit after the unmount. */
const ANSWER_MS = 60_000;

export interface OpenRoot {
  /** Host path of the mounted root file system. */
  readonly path: string;
  /** Unmounts it and waits for fuse2fs to write everything back and exit; fails unless it exited cleanly. */
  close(): Promise<void>;
  /** Kills fuse2fs and detaches the mount: after a failure or cancel, the disk is not to be used. */
  abandon(): Promise<void>;
}

interface OpenOptions {
  readOnly?: boolean;
  signal?: AbortSignal;
  /** These bytes passed `e2fsck -fn` before (checked-roots.ts): only the cheap checks run. */
  passedBefore?: boolean;
}

/**
 * Checks the partition's file system and mounts it at `mountPoint` (made if missing), served by a
 * confined fuse2fs. `readOnly` mounts it read-only, fuse2fs included. Needs root: the mount is Kiln's.
 */
export async function openRootInPlace(
  raw: string,
  partition: RootPartition,
  mountPoint: string,
  options: OpenOptions = {},
): Promise<OpenRoot> {
  await checkRootFs(raw, partition, options.signal, options.passedBefore);
  return mountRootInPlace(raw, partition, mountPoint, options);
}

/** What fuse2fs may reach: the disk (read-only with `readOnly`), /dev/fuse, Kiln's fusermount and its empty mount point. */
export const fuseServerAccess = (raw: string, readOnly: boolean): ToolAccess => ({
  [readOnly ? 'read' : 'write']: [raw],
  devices: ['/dev/fuse'],
  programs: FUSERMOUNT_PROGRAMS,
  emptyDirs: [DAEMON_MOUNT_POINT],
});

/** `openRootInPlace` without the check: the confinement alone stands between the file system and the host. */
export async function mountRootInPlace(
  raw: string,
  partition: RootPartition,
  mountPoint: string,
  options: OpenOptions = {},
): Promise<OpenRoot> {
  const { readOnly = false, signal } = options;
  checkFuseHost('Opening a root file system in place');
  const [fuse2fs, bwrap] = await Promise.all([findTool('fuse2fs'), bubblewrap('to confine fuse2fs')]);
  if (!fuse2fs) throw new Error('fuse2fs is not installed; scripts/setup.sh installs the tools Kiln builds with.');
  signal?.throwIfAborted();

  const path = resolve(mountPoint);
  await mkdir(path, { recursive: true });
  const cgroup = await createSandboxCgroup(TOOL_LIMITS);
  const args = [resolve(raw), DAEMON_MOUNT_POINT, '-f', '-o', `offset=${partition.start}${readOnly ? ',ro' : ''}`];
  const mount = { path, name: 'fuse2fs', readOnly, quiet: fuse2fsNotice };
  const server = await mountAndServe(mount, () =>
    cgroup.joinAndExec(bwrap, confinedArgs(fuse2fs, args, fuseServerAccess(raw, readOnly))),
  ).catch(async (error: unknown) => {
    await detach(path, cgroup);
    throw error;
  });
  const abandon = async () => {
    signal?.removeEventListener('abort', onAbort);
    server.kill();
    await detach(path, cgroup);
  };
  const onAbort = () => void abandon();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await answering(path, server, cgroup, {
      name: 'fuse2fs',
      failure: 'fuse2fs could not open the root file system',
      answerMs: ANSWER_MS,
    });
  } catch (error) {
    await abandon();
    throw error;
  }
  return {
    path,
    abandon,
    close: async () => {
      signal?.removeEventListener('abort', onAbort);
      try {
        await run('umount', [path]);
        const exit = await within(server.exited, ANSWER_MS, 'fuse2fs did not write the file system back and exit');
        if (exit !== 0)
          throw new Error(`fuse2fs ended with exit ${exit} writing back ${path}: ${server.stderr()}`.trim());
      } catch (error) {
        server.kill();
        await detach(path, cgroup);
        throw error;
      }
      await cgroup.remove();
      await rmdir(path);
    },
  };
}

/** fuse2fs's notice that it writes without the journal, as it always does: not a reason for anything. */
const fuse2fsNotice = (line: string) => line.includes('Writing to the journal is not supported');
