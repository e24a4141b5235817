/**
 * What cgroup v1 and v2 share for Kiln: where this process sits in a hierarchy (so sandboxes are made
 * as children of Kiln's own cgroup, inside whatever bounds the operator or systemd gave Kiln), and
 * reading and writing a cgroup's control files.
 */
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LimitName, ResourceLimits } from './resource-limits.ts';

/** One way of limiting (cgroup v2, or v1's per-controller hierarchies), found usable on this host. */
export interface CgroupVersion {
  /** `cgroup v2` or `cgroup v1`, for messages. */
  readonly name: string;
  /** The folders a sandbox's cgroup is made in: one per hierarchy, Kiln's own cgroup in each. */
  readonly parents: string[];
  /** Writes the limits into a new cgroup, made as `name` in every parent. */
  apply(name: string, limits: ResourceLimits): Promise<void>;
  /** The limit the cgroup `name` has run into so far, if any. */
  hit(name: string): Promise<LimitName | undefined>;
}

/** A cgroup file system mounted on this host. */
export interface CgroupMount {
  /** Where it is mounted. */
  dir: string;
  /** The cgroup its mount shows as its root (not `/` inside some containers). */
  root: string;
  /** `cgroup2`, or `cgroup` for a v1 hierarchy. */
  type: 'cgroup' | 'cgroup2';
  /** v1: the controllers this hierarchy holds (`pids`, `memory`, `cpu`...). */
  options: string[];
}

/** The cgroup file systems of /proc/self/mountinfo. */
export async function cgroupMounts(): Promise<CgroupMount[]> {
  const mounts: CgroupMount[] = [];
  for (const line of (await readFile('/proc/self/mountinfo', 'utf8')).split('\n')) {
    // <id> <parent> <major:minor> <root> <mount point> <options> [optional fields...] - <type> <source> <super options>
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const fields = left.split(' ');
    const [type, , superOptions] = right.split(' ');
    if (type !== 'cgroup' && type !== 'cgroup2') continue;
    mounts.push({
      dir: unescapeMount(fields[4]),
      root: unescapeMount(fields[3]),
      type,
      options: superOptions.split(','),
    });
  }
  return mounts;
}

/** This process's cgroup per hierarchy from /proc/self/cgroup: `0` is v2's, else the v1 controller list. */
export async function ownCgroups(): Promise<Array<{ controllers: string[]; path: string }>> {
  return (await readFile('/proc/self/cgroup', 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [, controllers, ...path] = line.split(':');
      return { controllers: controllers === '' ? [] : controllers.split(','), path: path.join(':') };
    });
}

/** The folder of cgroup `path` (as /proc/self/cgroup names it) in `mount`. */
export function cgroupDir(mount: CgroupMount, path: string): string {
  const inside = mount.root !== '/' && path.startsWith(mount.root) ? path.slice(mount.root.length) : path;
  return join(mount.dir, inside);
}

/** Whether `counter` of a flat-keyed control file has counted anything: the cgroup ran into that limit. */
export async function counted(dir: string, file: string, counter: string): Promise<boolean> {
  return ((await readCounters(join(dir, file))).get(counter) ?? 0) > 0;
}

/** The counters of a flat-keyed control file (`pids.events`, `memory.events`, `memory.oom_control`); empty once the cgroup is gone. */
async function readCounters(file: string): Promise<Map<string, number>> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  return new Map(
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [key, value] = line.split(' ');
        return [key, Number(value)];
      }),
  );
}

export const writeControl = (dir: string, file: string, value: string | number) =>
  writeFile(join(dir, file), String(value));

/** Whether the cgroup has the control file: some exist only where the kernel accounts for them (swap). */
export const hasControl = (dir: string, file: string) =>
  access(join(dir, file)).then(
    () => true,
    () => false,
  );

/** mountinfo escapes space, tab, newline and backslash as octal. */
const unescapeMount = (text: string) =>
  text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/** CPU time is shared out per period of this many microseconds, the kernel's default. */
export const CPU_PERIOD_US = 100_000;

export const cpuQuotaUs = (limits: ResourceLimits) => Math.round(limits.cpus * CPU_PERIOD_US);
export const memoryBytes = (limits: ResourceLimits) => limits.memoryMiB * 1024 * 1024;
