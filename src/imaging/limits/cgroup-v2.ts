/**
 * cgroup v2 (one unified hierarchy). A sandbox's cgroup is a child of Kiln's own cgroup, which must
 * hand the pids, memory and cpu controllers down (`cgroup.subtree_control`). v2 lets a cgroup hand
 * controllers down only while it holds no processes itself, so when Kiln's cgroup holds Kiln (a
 * systemd service with `Delegate=yes`), Kiln first moves itself into a child `kiln-server`, as
 * systemd's own delegation rules ask of a delegated service.
 *
 * - processes: `pids.max`; refused forks count in `pids.events` (`max`).
 * - memory: `memory.max`, with `memory.swap.max` 0 so swap cannot extend it; a hit is an OOM kill
 *   (`oom_kill` in `memory.events`; its `max` also counts mere page cache reclaim at the limit).
 * - cpus: `cpu.max` (quota and period), a throttle.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  cgroupDir,
  counted,
  cpuQuotaUs,
  CPU_PERIOD_US,
  hasControl,
  memoryBytes,
  writeControl,
  type CgroupMount,
  type CgroupVersion,
} from './cgroup-hierarchy.ts';

const CONTROLLERS = ['pids', 'memory', 'cpu'];
const SERVER_LEAF = 'kiln-server';

/** cgroup v2 with the three controllers delegated to Kiln's cgroup, or what it lacks. */
export async function cgroupV2(
  mounts: CgroupMount[],
  own: Array<{ controllers: string[]; path: string }>,
): Promise<CgroupVersion | { missing: string }> {
  const mount = mounts.find((m) => m.type === 'cgroup2');
  const mine = own.find((entry) => entry.controllers.length === 0);
  if (!mount || !mine) return { missing: 'no cgroup v2 hierarchy is mounted' };
  const parent = cgroupDir(mount, mine.path);
  const available = (await readFile(join(parent, 'cgroup.controllers'), 'utf8').catch(() => '')).trim().split(/\s+/);
  const absent = CONTROLLERS.filter((controller) => !available.includes(controller));
  if (absent.length > 0)
    return {
      missing: `cgroup v2 at ${parent} does not offer the ${absent.join(', ')} controller${absent.length > 1 ? 's' : ''}`,
    };
  const refused = await delegate(parent);
  if (refused) return { missing: refused };

  const dir = (name: string) => join(parent, name);
  return {
    name: 'cgroup v2',
    parents: [parent],
    async apply(name, limits) {
      await writeControl(dir(name), 'pids.max', limits.processes);
      await writeControl(dir(name), 'memory.max', memoryBytes(limits));
      // Absent when the kernel does not account swap: then there is none to limit.
      if (await hasControl(dir(name), 'memory.swap.max')) await writeControl(dir(name), 'memory.swap.max', 0);
      await writeControl(dir(name), 'cpu.max', `${cpuQuotaUs(limits)} ${CPU_PERIOD_US}`);
    },
    async hit(name) {
      if (await counted(dir(name), 'pids.events', 'max')) return 'processes';
      if (await counted(dir(name), 'memory.events', 'oom_kill')) return 'memory';
      return undefined;
    },
  };
}

/** Enables the controllers for children of `parent`, moving Kiln into a leaf first if need be; else why not. */
async function delegate(parent: string): Promise<string | undefined> {
  const enabled = (await readFile(join(parent, 'cgroup.subtree_control'), 'utf8')).trim().split(/\s+/);
  if (CONTROLLERS.every((controller) => enabled.includes(controller))) return undefined;
  const enable = () => writeControl(parent, 'cgroup.subtree_control', CONTROLLERS.map((c) => `+${c}`).join(' '));
  try {
    await enable();
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EBUSY')
      return `cannot enable ${CONTROLLERS.join(', ')} in ${join(parent, 'cgroup.subtree_control')} (${(error as Error).message})`;
  }
  try {
    await mkdir(join(parent, SERVER_LEAF), { recursive: true });
    await writeControl(join(parent, SERVER_LEAF), 'cgroup.procs', process.pid);
    await enable();
    return undefined;
  } catch (error) {
    return (
      `${parent} holds processes other than Kiln, so it cannot hand controllers to child cgroups (${(error as Error).message}); ` +
      'run Kiln in a cgroup of its own (systemd: a service with Delegate=yes)'
    );
  }
}
