/**
 * wrk (https://github.com/wg/wrk), the HTTP load generator issue 17 measured the API with: one run
 * against a URL, its output read into numbers. wrk keeps `connections` keep-alive connections busy
 * over `threads` threads for `seconds` and, with `--latency`, prints its latency percentiles. It does
 * not check certificates, so it talks HTTPS to a server of the test CA as it is.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const WRK_MISSING =
  'wrk is not installed: the API benchmark drives its load with it. Install it with `apt-get install -y wrk` ' +
  '(Debian, Ubuntu), `dnf install wrk` (Fedora) or `brew install wrk` (macOS), or build it from https://github.com/wg/wrk.';

export interface WrkLoad {
  connections: number;
  threads: number;
  seconds: number;
  headers?: Record<string, string>;
}

export interface WrkResult {
  requestsPerSecond: number;
  requests: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Responses with a status of 400 or more, which a benchmark of 200s must not count. */
  non2xx: number;
  /** wrk's socket errors line (connect, read, write, timeout), when it printed one. */
  socketErrors?: string;
}

/** Throws WRK_MISSING when no wrk is on the PATH. */
export async function requireWrk(): Promise<void> {
  // `wrk -v` prints its version and exits 1: only a missing binary is an error here.
  await run('wrk', ['-v']).catch((error: NodeJS.ErrnoException & { stdout?: string }) => {
    if (error.code === 'ENOENT') throw new Error(WRK_MISSING);
    if (!/^wrk /.test(error.stdout ?? '')) throw error;
  });
}

export async function runWrk(url: string, load: WrkLoad): Promise<WrkResult> {
  const headers = Object.entries(load.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  const args = ['-t', String(load.threads), '-c', String(load.connections), '-d', `${load.seconds}s`, '--latency'];
  const { stdout } = await run('wrk', [...args, ...headers, url], { maxBuffer: 1024 * 1024 });
  return parseWrk(stdout);
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function duration(text: string, what: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!match) throw new Error(`wrk printed '${text}' for ${what}, not a duration`);
  return Number(match[1]) * UNIT_MS[match[2]];
}

export function parseWrk(output: string): WrkResult {
  const find = (pattern: RegExp, what: string) => {
    const match = pattern.exec(output);
    if (!match) throw new Error(`wrk's output has no ${what}:\n${output}`);
    return match[1];
  };
  const percentile = (p: number) => duration(find(new RegExp(`^\\s+${p}%\\s+(\\S+)$`, 'm'), `${p}% latency`), `${p}%`);
  return {
    requestsPerSecond: Number(find(/^Requests\/sec:\s+([\d.]+)$/m, 'Requests/sec')),
    requests: Number(find(/^\s+(\d+) requests in /m, 'request count')),
    p50Ms: percentile(50),
    p90Ms: percentile(90),
    p99Ms: percentile(99),
    maxMs: duration(find(/^\s+Latency\s+\S+\s+\S+\s+(\S+)/m, 'latency row'), 'max latency'),
    non2xx: Number(/^\s+Non-2xx or 3xx responses: (\d+)$/m.exec(output)?.[1] ?? 0),
    socketErrors: /^\s+Socket errors: (.+)$/m.exec(output)?.[1],
  };
}
