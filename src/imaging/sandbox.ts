/**
 * Runs a command inside an image's root file system directory with bubblewrap, and resolves image
 * paths on the host side without ever leaving that directory.
 *
 * Isolation (the image and its scripts are untrusted input):
 * - `--bind <rootfs> /`: the image directory is the whole file system, read-write so customizers
 *   change the image. No host path is bound, so host files are neither readable nor writable.
 * - `--dev /dev --proc /proc`: a fresh minimal /dev (null, zero, random, tty, pts; no disks) and a
 *   /proc of the sandbox's own PID namespace; host processes and block devices stay invisible. No
 *   /sys: it would be the host's view, and without CAP_SYS_ADMIN nothing can mount it (or another
 *   /proc). The /proc entries that reach the host kernel (`/proc/sys`, sysrq...) are read-only or
 *   masked (bubblewrap.ts). Module loading needs CAP_SYS_MODULE, which the command never has.
 * - Namespaces: mount, PID, IPC, UTS, cgroup and network are all new (`--unshare-all` semantics), so
 *   the only network is a private loopback: not even the host's 127.0.0.1 services (Kiln's API, its
 *   database) are reachable. `network: true` shares the host's network (`--share-net`), which does
 *   include its loopback; callers enable it knowingly.
 * - The user namespace: when Kiln runs as root (it must, to keep the image's file owners), a new
 *   user namespace could only map uid 0, and `chown` to any other owner (package installs do it all
 *   the time) would fail. So as root the command keeps real uid 0 in the host's user namespace, and
 *   its power comes from a small capability set instead: Docker's default set without CAP_MKNOD
 *   (there is no device cgroup to stop a disk node), CAP_NET_RAW and CAP_SETPCAP. In particular no
 *   CAP_SYS_ADMIN (no mount, no setns), no CAP_DAC_READ_SEARCH (no open_by_handle_at escape from a
 *   bind mount), no CAP_SYS_PTRACE or CAP_SYS_MODULE. bubblewrap sets no_new_privs, so nothing the
 *   command executes can gain capabilities back. Run unprivileged, Kiln uses `--unshare-all` as is,
 *   with uid 0 mapped to Kiln's own uid.
 * - `--die-with-parent`: if Kiln dies the whole sandbox dies with it. `--new-session`: the command
 *   cannot push keystrokes into Kiln's terminal (TIOCSTI). Nothing of Kiln's environment (credentials)
 *   reaches the sandbox: bubblewrap itself is started with an empty environment (it stays the
 *   sandbox's pid 1, whose /proc/1/environ any script can read), and `--clearenv` gives the command
 *   only PATH, HOME=/root, TERM=dumb and the caller's variables.
 * - Resource limits: every command runs in a cgroup of its own (limits/cgroup.ts) with limits on
 *   processes, memory and CPU, joined before bubblewrap starts. Running into the process or memory
 *   limit kills the sandbox and fails the command with `LimitExceeded`; the CPU limit throttles.
 * - bubblewrap runs in a process group of its own; on timeout or abort the group gets SIGKILL. The
 *   processes inside live in the sandbox's PID namespace, whose init dies with bubblewrap
 *   (`--die-with-parent`), and the kernel then kills everything left in that namespace, including
 *   daemons a script started in a new session.
 */
import { spawn } from 'node:child_process';
import { lstat, readlink } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import { lineSplitter } from './build-log.ts';
import { CgroupsUnavailable, createSandboxCgroup, type SandboxCgroup } from './limits/cgroup.ts';
import { defaultLimits, LimitExceeded, type ResourceLimits } from './limits/resource-limits.ts';
import { bubblewrap, procCovers, SANDBOX_PATH } from './bubblewrap.ts';

/** What the steps that work on an image's root file system need to know. */
export interface RootFsState {
  /** Host path of the image's root file system: opened in place (disk/root-in-place.ts), or a folder. */
  rootfs: string;
}

export interface SandboxOptions {
  env?: Record<string, string>;
  /** Working directory inside the image; `/` by default. */
  cwd?: string;
  network?: boolean;
  /** Processes, memory and CPU the command may use; the defaults (never none) when left out. */
  limits?: ResourceLimits;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Every line of stdout and stderr, as it comes. */
  onOutput(line: string): void;
}

const CAPABILITIES = [
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETFCAP',
  'NET_BIND_SERVICE',
  'SYS_CHROOT',
  'AUDIT_WRITE',
];
/** How often a running sandbox's cgroup is checked for a limit it ran into. */
const LIMIT_POLL_MS = 100;

function sandboxArgs(rootfs: string, command: string[], options: SandboxOptions): string[] {
  const namespaces =
    process.getuid?.() === 0
      ? [
          '--unshare-ipc',
          '--unshare-pid',
          '--unshare-uts',
          '--unshare-cgroup-try',
          ...(options.network ? [] : ['--unshare-net']),
          '--cap-drop',
          'ALL',
          ...CAPABILITIES.flatMap((cap) => ['--cap-add', `CAP_${cap}`]),
        ]
      : ['--unshare-all', ...(options.network ? ['--share-net'] : []), '--uid', '0', '--gid', '0'];
  const env = { PATH: SANDBOX_PATH, HOME: '/root', TERM: 'dumb', ...options.env };
  return [
    '--bind',
    rootfs,
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    ...procCovers(),
    ...namespaces,
    '--die-with-parent',
    '--new-session',
    '--clearenv',
    ...Object.entries(env).flatMap(([name, value]) => ['--setenv', name, value]),
    '--chdir',
    options.cwd ?? '/',
    '--',
    ...command,
  ];
}

/**
 * Resolves with the command's exit code (128 + signal number if a signal ended it); rejects on
 * timeout, abort, a process or memory limit reached (`LimitExceeded`), or when no cgroup can hold it.
 */
export async function runInSandbox(
  rootfs: string,
  command: string[],
  options: SandboxOptions,
): Promise<{ exitCode: number }> {
  if (command.length === 0) throw new Error('runInSandbox needs a command.');
  if (options.signal?.aborted)
    throw new Error('Sandboxed command canceled before it started.', { cause: options.signal.reason });
  const limits = options.limits ?? defaultLimits();
  const bwrap = await bubblewrap('to run customizers');
  const cgroup = await createSandboxCgroup(limits);
  try {
    const exitCode = await supervise(
      cgroup,
      limits,
      cgroup.joinAndExec(bwrap, sandboxArgs(rootfs, command, options)),
      options,
    );
    // A memory hit is seen once the kernel has killed a process, which may be the moment the command ends.
    const limit = await cgroup.hit();
    if (limit) throw new LimitExceeded(limit, limits);
    return { exitCode };
  } finally {
    await cgroup.remove();
  }
}

/** Runs the wrapper that joins `cgroup` and becomes bubblewrap; stops it on timeout, abort or a limit hit. */
function supervise(
  cgroup: SandboxCgroup,
  limits: ResourceLimits,
  start: { file: string; args: string[] },
  options: SandboxOptions,
): Promise<number> {
  const { signal, timeoutMs, onOutput } = options;
  return new Promise((resolve, reject) => {
    // An empty environment: bubblewrap stays pid 1 inside, and its environment is readable there.
    const child = spawn(start.file, start.args, { detached: true, env: {}, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    let stopped: Error | undefined;
    const stop = (reason: Error) => {
      stopped ??= reason;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(
            () => stop(new Error(`Sandboxed command timed out after ${timeoutMs} ms and was killed.`)),
            timeoutMs,
          );
    const onAbort = () => stop(new Error('Sandboxed command canceled and killed.', { cause: signal!.reason }));
    signal?.addEventListener('abort', onAbort, { once: true });
    // A fork bomb never ends by itself: the first refused fork stops it.
    const watch = setInterval(
      () =>
        void cgroup.hit().then(
          (limit) => limit && stop(new LimitExceeded(limit, limits)),
          () => undefined,
        ),
      LIMIT_POLL_MS,
    );

    // One splitter per pipe, so a line of stdout is never cut by a line of stderr.
    const out = lineSplitter(onOutput);
    const err = lineSplitter(onOutput);
    child.stdout!.on('data', (chunk: Buffer) => out.write(chunk));
    child.stderr!.on('data', (chunk: Buffer) => err.write(chunk));
    let joinFailure = '';
    child.stdio[3]!.on('data', (chunk: Buffer) => (joinFailure += chunk.toString()));

    const finish = () => {
      clearTimeout(timer);
      clearInterval(watch);
      signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (error) => {
      finish();
      reject(error);
    });
    child.on('close', (code, signalName) => {
      finish();
      out.end();
      err.end();
      if (stopped) reject(stopped);
      else if (joinFailure)
        reject(
          new CgroupsUnavailable(`cannot move the sandbox into its ${cgroup.version} cgroup (${joinFailure.trim()})`),
        );
      else resolve(code ?? 128 + signalNumber(signalName));
    });
  });
}

function signalNumber(name: NodeJS.Signals | null): number {
  return name ? constants.signals[name] : 0;
}

/**
 * The host path of `path` inside the image, resolved as the image itself would see it: symbolic
 * links are followed relative to the root file system (an absolute target starts again at the
 * image's `/`, `..` stops at it), so a hostile image cannot point a host-side write at a host file.
 * The last component is followed only with `followLast` (deleting or truncating acts on a link
 * itself). Components that do not exist are kept as they are. Nothing else may change the directory
 * meanwhile (no sandbox runs while the host works on it), so the check is not raced.
 */
export async function imagePath(rootfs: string, path: string, options: { followLast?: boolean } = {}): Promise<string> {
  const pending = path.split('/');
  let resolved: string[] = [];
  let missing = false;
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      resolved.pop();
      // Back in a directory that may exist: what follows must be checked for links again.
      missing = false;
      continue;
    }
    if (missing || (pending.every((rest) => rest === '' || rest === '.') && !options.followLast)) {
      resolved.push(part);
      continue;
    }
    const entry = await inspect(join(rootfs, ...resolved, part));
    if (entry === 'missing') missing = true;
    if (entry === 'missing' || entry === 'other') {
      resolved.push(part);
      continue;
    }
    const target = entry.link;
    if (++links > 40) throw new Error(`Too many levels of symbolic links resolving ${path} in the image.`);
    if (target.startsWith('/')) resolved = [];
    pending.unshift(...target.split('/'));
  }
  return join(rootfs, ...resolved);
}

async function inspect(host: string): Promise<{ link: string } | 'other' | 'missing'> {
  try {
    return (await lstat(host)).isSymbolicLink() ? { link: await readlink(host) } : 'other';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw error;
  }
}
