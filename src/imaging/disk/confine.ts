/**
 * Confinement for the programs that read or write image content (qemu-img, sfdisk, e2fsprogs,
 * coreutils; later whatever replaces them): each runs under bubblewrap and sees only what its call
 * names. Image content is never trusted: a symlink an image plants (`X -> /etc/shadow`), a `../` in
 * a directory entry's name, a crafted qcow2 or a parser bug in the tool can only reach that.
 *
 * Invariants:
 * - The tool's file system is a fresh tmpfs holding read-only binds of the host's programs and
 *   libraries (/usr, the /bin, /sbin and /lib* links or folders beside it, and the few /etc files
 *   the tools read), a minimal /dev and a /proc of the tool's own PID namespace whose entries that
 *   reach the host kernel (`/proc/sys`...) are read-only or masked (bubblewrap.ts); then the paths the
 *   call names, `read` ones read-only and `write` ones read-write, each at its own host path so that
 *   arguments need no translation. Nothing else of the host exists in there: a symlink resolves inside
 *   this tree, where only the `write` paths can be changed (the tmpfs itself is read-only). No /tmp,
 *   no /sys, no /home, no sockets.
 * - Binds are nodev and nosuid (bubblewrap's `--bind`), so a device node or setuid file an image holds
 *   is inert while the tool works on it.
 * - New mount, PID, IPC, UTS, cgroup and network namespaces: no network at all, not even the host's
 *   loopback; host processes are invisible. The one exception is QEMU (`network: 'host'`), whose
 *   user-mode network needs the host's sockets; the guest behind it still reaches only what the
 *   driver's `restrict=on` lets it.
 * - As root (only root can read a tree of any owner, and reads image files of any owner) the tool keeps
 *   uid 0 in the host's user namespace but loses every capability except those its call asks for: at
 *   most CAP_DAC_OVERRIDE, for mkfs reading a tree it makes a file system of, or CAP_SETUID and
 *   CAP_SETGID, for QEMU to become `nobody` (after which it holds no capability at all). Never CAP_SYS_ADMIN (no mount, no way out of the tree), CAP_DAC_READ_SEARCH
 *   (open_by_handle_at reaches files outside a bind), CAP_SYS_PTRACE or CAP_SYS_MODULE. bubblewrap
 *   sets no_new_privs, so nothing the tool executes gains any back. Not root, a user namespace maps
 *   the caller's own uid and there are no capabilities to grant.
 * - `--clearenv`: the tool gets PATH and LC_ALL=C only, none of Kiln's environment. `--die-with-parent`
 *   and `--new-session`: it dies with Kiln and cannot type into Kiln's terminal.
 * - A device node only where the call names it (`devices`): /dev/fuse for fuse2fs, which can open new
 *   FUSE connections with it but, without CAP_SYS_ADMIN, never mount one.
 */
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findProgram, procCovers, SANDBOX_PATH } from '../bubblewrap.ts';

/**
 * The capabilities a confined call may ask for: what making a file system from a tree of any owner
 * needs, and what QEMU needs to drop root for `nobody` itself once its devices are open (`-runas`)
 * and, for a VM's SSH published on port 22, to bind a port below 1024 before it does.
 */
export type ToolCapability = 'DAC_OVERRIDE' | 'SETUID' | 'SETGID' | 'NET_BIND_SERVICE';

/** What one confined call may reach; every other host path is absent. */
export interface ToolAccess {
  /** Files or folders the tool reads. */
  read?: readonly string[];
  /** Files or folders the tool writes (a file must exist: the bind needs it). */
  write?: readonly string[];
  /** Kept when running as root; everything else is dropped. */
  capabilities?: readonly ToolCapability[];
  /** Device nodes the tool opens, bound with device access: /dev/fuse for the file system server (root-in-place.ts). */
  devices?: readonly string[];
  /**
   * Kiln's own programs (name → host file) standing in for the tree's program of that name: bound
   * read-only under /kiln/bin, which comes first on PATH, and over /usr/bin/<name> where the host has one.
   */
  programs?: Readonly<Record<string, string>>;
  /** Empty folders made in the tree: libfuse wants one to name as its mount point. */
  emptyDirs?: readonly string[];
  /** Empty files made in the tree (read-only): QEMU's FUSE export wants a regular file to name as its mount point. */
  emptyFiles?: readonly string[];
  /**
   * `host`: the host's network namespace, for QEMU's user-mode network alone, whose forwarded ports
   * listen on the host's loopback. Left out, the tool has no network at all.
   */
  network?: 'host';
  /** Variables set beside PATH and LC_ALL: QEMU's TMPDIR for a throwaway disk overlay. */
  env?: Readonly<Record<string, string>>;
}

/** A file of Kiln's own that is empty, bound wherever a call wants an empty file. */
const EMPTY_FILE = fileURLToPath(new URL('./empty-file', import.meta.url));

/** Where `programs` are bound, first on the tool's PATH. */
const PROGRAMS_DIR = '/kiln/bin';

/** Configuration the tools read: the dynamic loader's cache, mke2fs's and e2fsck's profiles. */
const ETC_FILES = ['/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/mke2fs.conf', '/etc/e2fsck.conf'];
const TOP_LEVEL = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];

let systemBinds: string[] | undefined;

/** /usr read-only, and the top-level program and library folders as they are here: merged-/usr links or folders. */
function systemTree(): string[] {
  if (systemBinds) return systemBinds;
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const name of TOP_LEVEL) {
    const path = `/${name}`;
    const stats = lstatSync(path, { throwIfNoEntry: false });
    if (stats?.isSymbolicLink()) args.push('--symlink', readlinkSync(path), path);
    else if (stats?.isDirectory()) args.push('--ro-bind', path, path);
  }
  for (const file of ETC_FILES) args.push('--ro-bind-try', file, file);
  systemBinds = args;
  return args;
}

/** The program's host path, found as the confined tool's PATH would find it; undefined when not installed. */
export async function findTool(command: string): Promise<string | undefined> {
  return command.includes('/') ? command : findProgram(command, SANDBOX_PATH);
}

/** bubblewrap's arguments that run `tool` (a host path) with `args`, confined to `grant`. */
export function confinedArgs(tool: string, args: readonly string[], grant: ToolAccess, cwd = '/'): string[] {
  const paths = [
    ...(grant.read ?? []).map((path) => ({ path: resolve(path), flag: '--ro-bind' })),
    ...(grant.write ?? []).map((path) => ({ path: resolve(path), flag: '--bind' })),
  ];
  // A folder is bound before what lies inside it, or the inner bind would be hidden by the outer one.
  paths.sort((a, b) => a.path.split('/').length - b.path.split('/').length);
  const privileges =
    process.getuid?.() === 0
      ? [
          '--unshare-ipc',
          '--unshare-pid',
          '--unshare-uts',
          ...(grant.network === 'host' ? [] : ['--unshare-net']),
          '--unshare-cgroup-try',
          '--cap-drop',
          'ALL',
          ...(grant.capabilities ?? []).flatMap((cap) => ['--cap-add', `CAP_${cap}`]),
        ]
      : ['--unshare-all', ...(grant.network === 'host' ? ['--share-net'] : [])];
  const programs = Object.entries(grant.programs ?? {}).flatMap(([name, file]) => [
    '--ro-bind',
    file,
    `${PROGRAMS_DIR}/${name}`,
    ...(existsSync(`/usr/bin/${name}`) ? ['--ro-bind', file, `/usr/bin/${name}`] : []),
  ]);
  return [
    ...systemTree(),
    '--dev',
    '/dev',
    ...(grant.devices ?? []).flatMap((device) => ['--dev-bind', device, device]),
    '--proc',
    '/proc',
    ...procCovers(),
    ...paths.flatMap(({ path, flag }) => [flag, path, path]),
    ...programs,
    ...(grant.emptyDirs ?? []).flatMap((dir) => ['--dir', dir]),
    ...(grant.emptyFiles ?? []).flatMap((file) => ['--ro-bind', EMPTY_FILE, file]),
    // The tmpfs under it all read-only too: writes through a planted link would otherwise land in memory.
    '--remount-ro',
    '/',
    ...privileges,
    '--die-with-parent',
    '--new-session',
    '--clearenv',
    '--setenv',
    'PATH',
    grant.programs ? `${PROGRAMS_DIR}:${SANDBOX_PATH}` : SANDBOX_PATH,
    '--setenv',
    'LC_ALL',
    'C',
    ...Object.entries(grant.env ?? {}).flatMap(([name, value]) => ['--setenv', name, value]),
    '--chdir',
    cwd,
    '--',
    tool,
    ...args,
  ];
}
