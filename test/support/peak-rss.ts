/**
 * A process's peak resident memory from /proc (Linux), for tests and benchmarks that show memory
 * stays flat: VmHWM is the most resident memory since the process started or since `resetPeakRss`.
 */
import { readFile, writeFile } from 'node:fs/promises';

export async function peakRssBytes(pid: number | 'self' = 'self'): Promise<number> {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`/proc/${pid}/status has no VmHWM`);
  return Number(match[1]) * 1024;
}

/** Sets the process's peak RSS back to its current RSS (clear_refs 5), so a later peak is the next phase's own. */
export async function resetPeakRss(pid: number | 'self' = 'self'): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, '5');
}
