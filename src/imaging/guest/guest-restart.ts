/**
 * Kiln's restart step (Azure's `WindowsRestart`, made generic for the VM build mode): the guest runs
 * the restart command, goes down (QEMU runs with `-no-reboot`, so a guest reboot ends the VM and
 * Kiln boots the same disk again: a power cycle, as far as the guest can tell), comes back with the
 * communicator, and then the check command, when given, is run until it succeeds. All of it must
 * fit `restartTimeout` (five minutes when left out); the failure names the phase that did not.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDuration } from '../../core/duration.ts';
import type { StepContext } from '../step-runner.ts';
import type { GuestVm } from './guest-vm.ts';

/** A restart step as templates spell it. */
export interface RestartSpec {
  type: 'WindowsRestart';
  name: string;
  restartCommand?: string;
  restartCheckCommand?: string;
  restartTimeout?: string;
}

/** Azure's default is Windows' `shutdown /r`; a Linux guest's own is this. */
const LINUX_RESTART = 'reboot';
const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const CHECK_INTERVAL_MS = 5_000;

/** Restarts `guest` and returns the VM that came back. */
export async function restartGuest(guest: GuestVm, spec: RestartSpec, ctx: StepContext): Promise<GuestVm> {
  const label = `WindowsRestart customizer '${spec.name}'`;
  const timeoutMs = (spec.restartTimeout && parseDuration(spec.restartTimeout)) || DEFAULT_TIMEOUT_MS;
  const deadline = performance.now() + timeoutMs;
  const within = `within its restartTimeout of ${spec.restartTimeout ?? '5m'}`;
  const command = spec.restartCommand ?? LINUX_RESTART;
  ctx.log.line(`${label}: restarting the VM with: ${command}`);
  const output = ctx.log.stream(spec.name);
  // The command usually takes its session down with the VM: how it ended counts only if the VM stays up.
  const ran = guest.session
    .run(['/bin/sh', '-c', command], { output: output.line, signal: ctx.signal })
    .then(
      (code) => code,
      () => undefined,
    )
    .finally(() => output.end());
  const first = await Promise.race([guest.vm.exited.then(() => 'down' as const), ran]);
  if (typeof first === 'number' && first !== 0) {
    await guest.stop();
    throw new Error(`${label}: the restart command exited with code ${first} and the VM did not restart.`);
  }
  const waited = new AbortController();
  const down = await Promise.race([
    guest.vm.exited.then(() => true),
    sleep(Math.max(0, deadline - performance.now()), false, { signal: AbortSignal.any([ctx.signal, waited.signal]) }),
  ]).finally(() => waited.abort());
  if (!down) {
    await guest.stop();
    throw new Error(`${label}: the VM did not go down ${within} after '${command}'.`);
  }
  const back = await guest.bootAgain(Math.max(1, deadline - performance.now())).catch((error: Error) => {
    throw new Error(`${label}: the VM went down but did not come back ${within}: ${error.message}`, { cause: error });
  });
  if (spec.restartCheckCommand) await check(back, spec, deadline, within, ctx);
  ctx.log.line(`${label}: the VM restarted`);
  return back;
}

/** Runs the check command until it succeeds (Packer's `restart_check_command`), or fails at the deadline. */
async function check(guest: GuestVm, spec: RestartSpec, deadline: number, within: string, ctx: StepContext) {
  const label = `WindowsRestart customizer '${spec.name}'`;
  const command = spec.restartCheckCommand!;
  for (let attempt = 1; ; attempt++) {
    const output = ctx.log.stream(spec.name);
    const code = await guest.session
      .run(['/bin/sh', '-c', command], { output: output.line, signal: ctx.signal })
      .finally(() => output.end());
    if (code === 0) return;
    ctx.log.line(`${label}: check command attempt ${attempt} exited with code ${code}`);
    if (performance.now() + CHECK_INTERVAL_MS > deadline) {
      await guest.stop();
      throw new Error(`${label}: the check command '${command}' did not succeed ${within} (last exit code ${code}).`);
    }
    await sleep(CHECK_INTERVAL_MS, undefined, { signal: ctx.signal });
  }
}
