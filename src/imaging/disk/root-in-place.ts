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
 *   it is opened.
 * - Kiln keeps no copy of the connection once fuse2fs has it: if fuse2fs dies, the kernel aborts the
 *   connection and every access fails with ENOTCONN instead of hanging. `abandon` (cancel, failure)
 *   kills it and detaches the mount; `close` unmounts, waits for fuse2fs to write everything back and
 *   exit, and fails unless it exited cleanly.
 * - The mount is nosuid and nodev on the host; bubblewrap binds it nosuid for the customizers too.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, rmdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bubblewrap } from '../bubblewrap.ts';
import { createSandboxCgroup, type SandboxCgroup } from '../limits/cgroup.ts';
import { confinedArgs, findTool, type ToolAccess } from './confine.ts';
import { checkRootFs } from './ext4.ts';
import type { RootPartition } from './partitions.ts';
import { run, TOOL_LIMITS } from './run.ts';

const FUSERMOUNT = fileURLToPath(new URL('./fusermount-fd.py', import.meta.url));
/** The connection's fd in fuse2fs's tree (fusermount-fd.py passes fd 4): fd 3 is the cgroup join script's error channel. */
const CONNECTION_FD = 4;
/** libfuse wants an empty folder to name as its mount point, though the mount is Kiln's. */
const DAEMON_MOUNT_POINT = '/kiln/mnt';
/** How long fuse2fs gets to answer its first request, and to write back and exit after the unmount. */
const ANSWER_MS = 60_000;
/** The most of fuse2fs's stderr an error message carries. */
const MAX_STDERR = 4000;

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
  await checkRootFs(raw, partition, options.signal);
  return mountRootInPlace(raw, partition, mountPoint, options);
}

/** What fuse2fs may reach: the disk (read-only with `readOnly`), /dev/fuse, Kiln's fusermount and its empty mount point. */
export const fuseServerAccess = (raw: string, readOnly: boolean): ToolAccess => ({
  [readOnly ? 'read' : 'write']: [raw],
  devices: ['/dev/fuse'],
  programs: { fusermount: FUSERMOUNT },
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
  if (process.getuid?.() !== 0) throw new Error('Opening a root file system in place needs root: Kiln mounts it.');
  if (!existsSync('/dev/fuse'))
    throw new Error(
      'Opening a root file system in place needs FUSE, and this machine has no /dev/fuse: load the fuse module (modprobe fuse), or give a container --device /dev/fuse.',
    );
  const [fuse2fs, bwrap] = await Promise.all([findTool('fuse2fs'), bubblewrap('to confine fuse2fs')]);
  if (!fuse2fs) throw new Error('fuse2fs is not installed; scripts/setup.sh installs the tools Kiln builds with.');
  signal?.throwIfAborted();

  const path = resolve(mountPoint);
  await mkdir(path, { recursive: true });
  const cgroup = await createSandboxCgroup(TOOL_LIMITS);
  const args = [resolve(raw), DAEMON_MOUNT_POINT, '-f', '-o', `offset=${partition.start}${readOnly ? ',ro' : ''}`];
  const server = await mountAndServe(path, readOnly, () =>
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
    await answering(path, server, cgroup);
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
        const exit = await within(server.exited, ANSWER_MS, 'write the file system back and exit');
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

/** Mounts the FUSE connection `fd` at `path`; `mount -i` calls mount(2) itself, which finds the connection as its fd 3. */
async function mountConnection(fd: number, path: string, readOnly: boolean): Promise<void> {
  const options = [
    'fd=3',
    'rootmode=40000',
    'user_id=0',
    'group_id=0',
    'allow_other',
    'default_permissions',
    'nosuid',
    'nodev',
    ...(readOnly ? ['ro'] : []),
  ];
  await run('mount', ['-i', '-t', 'fuse.fuse2fs', '-o', options.join(','), 'kiln-fuse2fs', path], { fd3: fd });
}

/**
 * Opens a FUSE connection, mounts it at `path` and starts the server `start` gives on it; then
 * closes Kiln's own copy, so fuse2fs holds the only one and its death ends the connection.
 */
async function mountAndServe(
  path: string,
  readOnly: boolean,
  start: () => { file: string; args: string[] },
): Promise<Server> {
  const connection = await open('/dev/fuse', 'r+');
  try {
    await mountConnection(connection.fd, path, readOnly);
    return startServer(start(), connection.fd);
  } finally {
    await connection.close();
  }
}

interface Server {
  exited: Promise<number | null>;
  stderr(): string;
  kill(): void;
}

function startServer(start: { file: string; args: string[] }, connection: number): Server {
  const stdio: StdioOptions = ['ignore', 'ignore', 'pipe', 'pipe'];
  stdio[CONNECTION_FD] = connection;
  const child: ChildProcess = spawn(start.file, start.args, { detached: true, env: {}, stdio });
  let stderr = '';
  const keep = (chunk: Buffer) => {
    if (stderr.length < MAX_STDERR) stderr += chunk.toString();
  };
  child.stderr!.on('data', keep);
  child.stdio[3]!.on('data', keep);
  const exited = new Promise<number | null>((done) => {
    child.on('error', (error) => {
      stderr += error.message;
      done(null);
    });
    child.on('close', (code) => done(code));
  });
  return {
    exited,
    // "Writing to the journal is not supported" is fuse2fs's notice that it writes without the journal, as it always does.
    stderr: () =>
      stderr
        .split('\n')
        .filter((line) => line.trim() !== '' && !line.includes('Writing to the journal is not supported'))
        .join(' '),
    kill: () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    },
  };
}

/** Waits for fuse2fs's first answer (a stat of the mount's root); fails with its own words when it exits first. */
async function answering(path: string, server: Server, cgroup: SandboxCgroup): Promise<void> {
  const exitedFirst = server.exited.then(async (code) => {
    const limit = await cgroup.hit();
    throw new Error(
      limit
        ? `fuse2fs was stopped at the limit every disk tool runs under (${limit}): an image that needs more is damaged or hostile.`
        : `fuse2fs could not open the root file system (exit ${code}): ${server.stderr()}`,
    );
  });
  exitedFirst.catch(() => undefined);
  // A connection that fuse2fs abandoned fails the stat at once: its own words say why.
  const answered = stat(path).catch((error: unknown) =>
    within(exitedFirst, 5000, 'exit').then(() => Promise.reject(error)),
  );
  await within(Promise.race([answered, exitedFirst]), ANSWER_MS, 'answer');
}

async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`fuse2fs did not ${what} within ${ms / 1000} s.`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Detaches the mount (lazily: a process may still hold a file there) and ends fuse2fs's cgroup. */
async function detach(path: string, cgroup: SandboxCgroup): Promise<void> {
  await run('umount', ['--lazy', path]).catch(() => undefined);
  await cgroup.remove();
  await rmdir(path).catch(() => undefined);
}
