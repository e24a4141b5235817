/**
 * A running QEMU seen from outside, through /proc: which process forwards a host address and port to
 * its guest (for a VM whose driver does not say its process id), its command line, when it started
 * and the CPU time it has used.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename } from 'node:path';

export interface QemuProcess {
  pid: number;
  /** Its command line, one argument each. */
  args: string[];
}

/** The QEMU process that forwards `address`:`hostPort` to its guest (`hostfwd=tcp:<address>:<port>-:`). */
export async function qemuForwarding(address: string, hostPort: number): Promise<QemuProcess> {
  const forward = `hostfwd=tcp:${address}:${hostPort}-:`;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    // Kiln's confined VMs run QEMU by its full path.
    if (basename(args[0]).startsWith('qemu-system') && args.some((arg) => arg.includes(forward)))
      return { pid: Number(entry), args: args.filter((arg) => arg !== '') };
  }
  throw new Error(`no QEMU process forwards ${address}:${hostPort}`);
}

/**
 * The CPU time (user and system, all threads) a running process has used, from /proc/<pid>/stat,
 * whose counts are in USER_HZ, 1/100 s on Linux. Unlike wall time, it hardly moves when other
 * processes share the CPUs.
 */
export async function cpuSeconds(pid: number): Promise<number> {
  const fields = await statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** When a running process started, in milliseconds since the epoch (to 1/100 s): its start after boot against the uptime now. */
export async function startedAt(pid: number): Promise<number> {
  const fields = await statFields(pid);
  const now = Date.now();
  const uptime = Number((await readFile('/proc/uptime', 'utf8')).split(' ')[0]);
  return now - (uptime - Number(fields[19]) / 100) * 1000;
}

/**
 * The fields of /proc/<pid>/stat after the command name (which is in parentheses and may hold
 * spaces), from the state on: utime and stime are the 12th and 13th, starttime the 20th.
 */
async function statFields(pid: number): Promise<string[]> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
