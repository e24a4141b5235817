/**
 * The kernel's own accounting of a process, from /proc: bytes it wrote to storage (its peak
 * resident memory is test/support/peak-rss.ts).
 *
 * `write_bytes` counts the bytes a process caused to be written to storage, charged when it dirties
 * page-cache pages (or writes directly), so it does not wait for writeback. The kernel adds a
 * child's counts (its own and its reaped children's) to the parent that reaps it, so a process's
 * figure covers its whole tree once every child has exited; a child still running is not in it yet.
 * `cancelled_write_bytes` is what was dirtied and then truncated or deleted before writeback.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export interface WriteCounts {
  writeBytes: number;
  cancelledWriteBytes: number;
}

export async function writeCounts(pid: number | 'self' = 'self'): Promise<WriteCounts> {
  return parseIo(await readFile(`/proc/${pid}/io`, 'utf8'), pid);
}

function parseIo(text: string, pid: number | 'self'): WriteCounts {
  const field = (name: string) => {
    const match = new RegExp(`^${name}: (\\d+)$`, 'm').exec(text);
    if (!match) throw new Error(`/proc/${pid}/io has no ${name}`);
    return Number(match[1]);
  };
  return { writeBytes: field('write_bytes'), cancelledWriteBytes: field('cancelled_write_bytes') };
}

/** write_bytes over time: [Date.now(), write_bytes] every `everyMs` (as the event loop allows) until `stop`. */
export function sampleWrites(everyMs: number, pid: number | 'self' = 'self') {
  const samples: Array<[number, number]> = [];
  const take = () => samples.push([Date.now(), parseIo(readFileSync(`/proc/${pid}/io`, 'utf8'), pid).writeBytes]);
  take();
  const timer = setInterval(take, everyMs);
  return {
    /** Stops sampling, with one last sample. */
    stop() {
      clearInterval(timer);
      take();
    },
    /** write_bytes at `at`, interpolated between the samples around it. */
    at(at: number): number {
      const after = samples.findIndex(([t]) => t >= at);
      if (after === -1) return samples.at(-1)![1];
      if (after === 0) return samples[0][1];
      const [t0, b0] = samples[after - 1];
      const [t1, b1] = samples[after];
      return t1 === t0 ? b1 : b0 + ((b1 - b0) * (at - t0)) / (t1 - t0);
    },
  };
}
