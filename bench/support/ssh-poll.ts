/**
 * Waiting for a guest's SSH as Kiln's communicator does, with plain `ssh`: `ssh -i key … user@host
 * true` until it succeeds, the next try 2 s after a failed one, each with a 10 s connection timeout.
 * Host keys are neither checked nor kept (every boot makes new ones).
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** As Kiln's communicator: the next try this long after a failed one. */
const RETRY_MS = 2000;

export interface SshTarget {
  user: string;
  host: string;
  port: number;
  /** The private key file. */
  key: string;
}

/** One `ssh … true`; resolves with what ssh said when it failed, undefined when the user got in. */
export function sshTrue(target: SshTarget): Promise<string | undefined> {
  const ssh = spawn(
    'ssh',
    [
      ...['-i', target.key, '-p', String(target.port), '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no'],
      ...['-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=10'],
      ...[`${target.user}@${target.host}`, 'true'],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let said = '';
  ssh.stderr.setEncoding('utf8');
  ssh.stderr.on('data', (chunk: string) => (said += chunk));
  return new Promise((resolve, reject) => {
    ssh.once('error', reject);
    ssh.once('close', (code) => resolve(code === 0 ? undefined : said.trim() || `exit code ${code}`));
  });
}

/**
 * Tries `ssh … true` until it succeeds and resolves with `performance.now()` then; fails after
 * `timeoutMs` from `since` (a `performance.now()`), or as soon as `gone()` says why the guest cannot answer.
 */
export async function pollSsh(
  target: SshTarget,
  options: { since: number; timeoutMs: number; gone?: () => string | undefined },
): Promise<number> {
  for (;;) {
    const why = options.gone?.();
    if (why !== undefined) throw new Error(why);
    const said = await sshTrue(target);
    if (said === undefined) return performance.now();
    if (performance.now() - options.since + RETRY_MS > options.timeoutMs)
      throw new Error(`SSH did not answer within ${options.timeoutMs / 1000} s (last try: ${said})`);
    await sleep(RETRY_MS);
  }
}
