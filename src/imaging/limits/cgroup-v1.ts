/**
 * cgroup v1 (hybrid hosts: each controller its own hierarchy under /sys/fs/cgroup/<controller>).
 * A sandbox's cgroup is one folder of the same name in the pids, memory and cpu hierarchies, each a
 * child of Kiln's own cgroup there; the wrapper that starts bubblewrap joins all three.
 *
 * - processes: `pids.max`; a fork refused by it counts in `pids.events` (`max`).
 * - memory: `memory.limit_in_bytes`, and `memory.memsw.limit_in_bytes` to the same value when swap
 *   is accounted, so swap cannot extend it. A hit is an OOM kill (`oom_kill` in `memory.oom_control`),
 *   not `memory.failcnt`: that one also counts every time the kernel reclaims page cache at the
 *   limit, which a step writing big files does without ever running short.
 * - cpus: `cpu.cfs_quota_us` per `cpu.cfs_period_us`, a throttle.
 */
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

const CONTROLLERS = ['pids', 'memory', 'cpu'] as const;
type Controller = (typeof CONTROLLERS)[number];

/** cgroup v1 with the three controllers mounted, or what it lacks. */
export function cgroupV1(
  mounts: CgroupMount[],
  own: Array<{ controllers: string[]; path: string }>,
): CgroupVersion | { missing: string } {
  const parents = {} as Record<Controller, string>;
  const absent: string[] = [];
  for (const controller of CONTROLLERS) {
    const mount = mounts.find((m) => m.type === 'cgroup' && m.options.includes(controller));
    const mine = own.find((entry) => entry.controllers.includes(controller));
    if (mount && mine) parents[controller] = cgroupDir(mount, mine.path);
    else absent.push(controller);
  }
  if (absent.length > 0) return { missing: `cgroup v1 has no ${absent.join(', ')} hierarchy mounted` };
  const dir = (controller: Controller, name: string) => join(parents[controller], name);
  return {
    name: 'cgroup v1',
    parents: CONTROLLERS.map((controller) => parents[controller]),
    async apply(name, limits) {
      await writeControl(dir('pids', name), 'pids.max', limits.processes);
      await writeControl(dir('memory', name), 'memory.limit_in_bytes', memoryBytes(limits));
      // Present only when the kernel accounts swap (swapaccount=1); without it there is no swap to limit separately.
      if (await hasControl(dir('memory', name), 'memory.memsw.limit_in_bytes'))
        await writeControl(dir('memory', name), 'memory.memsw.limit_in_bytes', memoryBytes(limits));
      await writeControl(dir('cpu', name), 'cpu.cfs_period_us', CPU_PERIOD_US);
      await writeControl(dir('cpu', name), 'cpu.cfs_quota_us', cpuQuotaUs(limits));
    },
    async hit(name) {
      if (await counted(dir('pids', name), 'pids.events', 'max')) return 'processes';
      if (await counted(dir('memory', name), 'memory.oom_control', 'oom_kill')) return 'memory';
      return undefined;
    },
  };
}
