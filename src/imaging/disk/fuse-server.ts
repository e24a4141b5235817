/**
 * A FUSE server that Kiln mounts and a confined program serves: fuse2fs serving a root file system
 * (root-in-place.ts), qemu-storage-daemon serving a disk as one file (overlay-disk.ts).
 *
 * Invariants:
 * - The server cannot mount (no CAP_SYS_ADMIN in its confinement): Kiln opens /dev/fuse, mounts the
 *   connection on the host with `mount -i -t fuse -o fd=…` (nosuid, nodev) and hands it to the
 *   confined tree as fd 4, where `fusermount-fd.py` stands in for libfuse's fusermount (and
 *   fusermount3) and passes it on.
 * - Kiln keeps no copy of the connection once the server has it: if the server dies, the kernel
 *   aborts the connection and every access fails with ENOTCONN instead of hanging.
 * - `detach` unmounts lazily and ends the server's cgroup, whatever state it is in.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, rmdir, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { SandboxCgroup } from '../limits/cgroup.ts';
import { run } from './run.ts';

/** Kiln's stand-in for libfuse's fusermount, as programs named `fusermount` and `fusermount3`. */
export const FUSERMOUNT = fileURLToPath(new URL('./fusermount-fd.py', import.meta.url));
export const FUSERMOUNT_PROGRAMS = { fusermount: FUSERMOUNT, fusermount3: FUSERMOUNT };
/** The connection's fd in the server's tree (fusermount-fd.py passes fd 4): fd 3 is the cgroup join script's error channel. */
const CONNECTION_FD = 4;
/** The most of the server's stderr an error message carries. */
const MAX_STDERR = 4000;

export interface FuseServer {
  /** The server's exit code (null when killed or never started). */
  exited: Promise<number | null>;
  stderr(): string;
  /** Ends the server: SIGKILL unless told otherwise (qemu-storage-daemon quits cleanly on SIGTERM). */
  kill(signal?: NodeJS.Signals): void;
}

export interface FuseMount {
  /** The host path to mount at: a folder (a file system) or a file (one disk). */
  path: string;
  /** The mount's type as /proc/mounts shows it: `fuse.<name>`. */
  name: string;
  file?: boolean;
  readOnly?: boolean;
  /** Noise the server writes to stderr that explains nothing. */
  quiet?: (line: string) => boolean;
}

/** Needs root and /dev/fuse: the mount is Kiln's. Throws saying what is missing. */
export function checkFuseHost(what: string): void {
  if (process.getuid?.() !== 0) throw new Error(`${what} needs root: Kiln mounts it.`);
  if (!existsSync('/dev/fuse'))
    throw new Error(
      `${what} needs FUSE, and this machine has no /dev/fuse: load the fuse module (modprobe fuse), or give a container --device /dev/fuse.`,
    );
}

/** Mounts the FUSE connection `fd` at `path`; `mount -i` calls mount(2) itself, which finds the connection as its fd 3. */
async function mountConnection(fd: number, mount: FuseMount): Promise<void> {
  const options = [
    'fd=3',
    mount.file ? 'rootmode=100000' : 'rootmode=40000',
    'user_id=0',
    'group_id=0',
    'allow_other',
    'default_permissions',
    'nosuid',
    'nodev',
    ...(mount.readOnly ? ['ro'] : []),
  ];
  await run('mount', ['-i', '-t', `fuse.${mount.name}`, '-o', options.join(','), mount.name, mount.path], { fd3: fd });
}

/**
 * Opens a FUSE connection, mounts it at `mount.path` and starts the server `start` gives on it; then
 * closes Kiln's own copy, so the server holds the only one and its death ends the connection.
 */
export async function mountAndServe(
  mount: FuseMount,
  start: () => { file: string; args: string[] },
): Promise<FuseServer> {
  const connection = await open('/dev/fuse', 'r+');
  try {
    await mountConnection(connection.fd, mount);
    return startServer(start(), connection.fd, mount.quiet);
  } finally {
    await connection.close();
  }
}

function startServer(
  start: { file: string; args: string[] },
  connection: number,
  quiet: (line: string) => boolean = () => false,
): FuseServer {
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
    stderr: () =>
      stderr
        .split('\n')
        .filter((line) => line.trim() !== '' && !quiet(line))
        .join(' '),
    kill: (signal = 'SIGKILL') => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // Already gone.
      }
    },
  };
}

/**
 * Waits for the server's first answer (a stat of the mount); fails with its own words when it exits
 * first, or naming the limit its cgroup hit. `what` names the server in messages.
 */
export async function answering(
  path: string,
  server: FuseServer,
  cgroup: SandboxCgroup,
  what: { name: string; failure: string; answerMs: number },
): Promise<void> {
  const exitedFirst = server.exited.then(async (code) => {
    const limit = await cgroup.hit();
    throw new Error(
      limit
        ? `${what.name} was stopped at the limit every disk tool runs under (${limit}): an image that needs more is damaged or hostile.`
        : `${what.failure} (exit ${code}): ${server.stderr()}`,
    );
  });
  exitedFirst.catch(() => undefined);
  // A connection that the server abandoned fails the stat at once: its own words say why.
  const answered = stat(path).catch((error: unknown) =>
    within(exitedFirst, 5000, `${what.name} did not exit`).then(() => Promise.reject(error)),
  );
  await within(Promise.race([answered, exitedFirst]), what.answerMs, `${what.name} did not answer`);
}

/** `work`, or a rejection saying `late` once `ms` have passed. */
export async function within<T>(work: Promise<T>, ms: number, late: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const lateness = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${late} within ${ms / 1000} s.`)), ms);
  });
  try {
    return await Promise.race([work, lateness]);
  } finally {
    clearTimeout(timer);
  }
}

/** Detaches the mount (lazily: a process may still hold a file there) and ends the server's cgroup. */
export async function detach(path: string, cgroup: SandboxCgroup, options: { file?: boolean } = {}): Promise<void> {
  await run('umount', ['--lazy', path]).catch(() => undefined);
  await cgroup.remove();
  if (!options.file) await rmdir(path).catch(() => undefined);
}
