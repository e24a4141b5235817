/**
 * One cgroup per sandboxed command, holding it to its `ResourceLimits`, on cgroup v2 when the host
 * offers it the controllers and cgroup v1 otherwise.
 *
 * Invariants:
 * - Fail closed: when neither version can be used (Kiln not root and nothing delegated to it, a
 *   controller not mounted), `createSandboxCgroup` throws a message naming what is missing; no
 *   command ever runs unlimited.
 * - No race on entry: the command is started by `joinAndExec`, a shell that writes its own pid into
 *   the cgroup and only then execs bubblewrap, so every process of the sandbox is born inside it.
 * - Nothing is left behind: `remove` kills what is still in the cgroup and deletes it. A Kiln killed
 *   with -9 cannot; its cgroups are named `kiln-sandbox-<pid>-<n>` and the next Kiln process deletes
 *   those whose process is gone before it makes its first.
 */
import { readdir, readFile, mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cgroupMounts, ownCgroups, type CgroupVersion } from './cgroup-hierarchy.ts';
import { cgroupV1 } from './cgroup-v1.ts';
import { cgroupV2 } from './cgroup-v2.ts';
import type { LimitName, ResourceLimits } from './resource-limits.ts';

export interface SandboxCgroup {
  /** `cgroup v2` or `cgroup v1`. */
  readonly version: string;
  /** The command line of a process that joins this cgroup, then becomes `file args`. */
  joinAndExec(file: string, args: string[]): { file: string; args: string[] };
  /** The limit its processes have run into so far, if any. */
  hit(): Promise<LimitName | undefined>;
  /** Kills whatever is still in it and deletes it. */
  remove(): Promise<void>;
}

const PREFIX = 'kiln-sandbox-';
/** How long `remove` waits for killed processes to leave the cgroup before leaving it to the next start's sweep. */
const EMPTY_TIMEOUT_MS = 5000;
/**
 * Joins every cgroup.procs file named before `--`, then execs the rest. If a write fails the shell's
 * own message goes to fd 3 (which the caller reads) and nothing runs; fd 3 is closed for the command.
 */
const JOIN_SCRIPT = 'while [ "$1" != -- ]; do { echo $$ > "$1"; } 2>&3 || exit 125; shift; done; shift; exec "$@" 3>&-';

let found: Promise<CgroupVersion> | undefined;
let created = 0;

export async function createSandboxCgroup(limits: ResourceLimits): Promise<SandboxCgroup> {
  const version = await usableVersion();
  const name = `${PREFIX}${process.pid}-${++created}`;
  const dirs = version.parents.map((parent) => join(parent, name));
  try {
    for (const dir of dirs) await mkdir(dir);
    await version.apply(name, limits);
  } catch (error) {
    await removeCgroup(dirs);
    throw new CgroupsUnavailable(`${version.name}: cannot set up ${name} (${(error as Error).message})`);
  }
  return {
    version: version.name,
    joinAndExec: (file, args) => ({
      file: '/bin/sh',
      args: [
        '-c',
        JOIN_SCRIPT,
        'kiln-join-cgroup',
        ...dirs.map((dir) => join(dir, 'cgroup.procs')),
        '--',
        file,
        ...args,
      ],
    }),
    hit: () => version.hit(name),
    remove: () => removeCgroup(dirs),
  };
}

/** Kiln cannot limit sandboxed commands on this host. */
export class CgroupsUnavailable extends Error {
  constructor(why: string) {
    super(
      `Kiln runs every customizer command with limits on processes, memory and CPU (build.limits) and cannot set them here: ${why}. ` +
        'Run Kiln as root on a host with the pids, memory and cpu cgroup controllers (cgroup v2, or cgroup v1 under /sys/fs/cgroup), ' +
        'or in a cgroup v2 subtree delegated to it (systemd: Delegate=yes). Kiln does not run scripts without limits.',
    );
    this.name = 'CgroupsUnavailable';
  }
}

/** v2 when usable, else v1; found once per process (after a failure, looked for again next time). */
function usableVersion(): Promise<CgroupVersion> {
  found ??= findVersion().then(async (version) => {
    await sweepStale(version);
    return version;
  });
  found.catch(() => (found = undefined));
  return found;
}

async function findVersion(): Promise<CgroupVersion> {
  const [mounts, own] = await Promise.all([cgroupMounts(), ownCgroups()]);
  const v2 = await cgroupV2(mounts, own);
  if (!('missing' in v2)) return v2;
  const v1 = cgroupV1(mounts, own);
  if (!('missing' in v1)) return v1;
  throw new CgroupsUnavailable(`${v2.missing}, and ${v1.missing}`);
}

/** Deletes the cgroups of Kiln processes that are gone (killed before they could remove theirs). */
async function sweepStale(version: CgroupVersion): Promise<void> {
  for (const parent of version.parents) {
    for (const entry of await readdir(parent)) {
      const owner = new RegExp(`^${PREFIX}(\\d+)-\\d+$`).exec(entry);
      if (owner && !isAlive(Number(owner[1]))) await removeCgroup([join(parent, entry)]);
    }
  }
}

async function removeCgroup(dirs: string[]): Promise<void> {
  const deadline = Date.now() + EMPTY_TIMEOUT_MS;
  for (;;) {
    const pids = (await Promise.all(dirs.map(members))).flat();
    if (pids.length === 0 || Date.now() > deadline) break;
    for (const pid of pids) killQuietly(pid);
    await sleep(20);
  }
  // A cgroup still busy after the timeout (a process stuck in the kernel) stays for the next start's sweep.
  for (const dir of dirs) await rmdir(dir).catch(() => undefined);
}

async function members(dir: string): Promise<number[]> {
  const text = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map(Number);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}
