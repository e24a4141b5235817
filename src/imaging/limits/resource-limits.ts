/**
 * What one sandboxed command (a customizer step, a deprovisioning script) may use of the host:
 * processes, memory and CPU. There is no "unlimited": a field left out takes its default, and every
 * value is checked before any build starts, so a typo in config.json stops Kiln at start instead of
 * building without a bound.
 *
 * The defaults, and why:
 * - processes 1024: package installs and compiles run tens to a few hundred processes and threads
 *   (`make -j`, dpkg's maintainer scripts, a JVM's threads); a fork bomb reaches 1024 in well under a
 *   second and is stopped there, long before the host's own pid space (32768 and up) runs out.
 * - memoryMiB 2048: enough for apt, pip, npm and single compiles; small enough that a couple of runs
 *   at once leave a typical 8 GiB build host its page cache and Kiln's server. Swap counts too, so a
 *   step cannot spill past it onto disk.
 * - cpus: half the host's CPUs (at least one): CPU is a rate, not a stock, so reaching the limit only
 *   slows the step (the kernel throttles it for the rest of each 100 ms period); it never fails it.
 *   Half the machine keeps the API and other runs responsive while a step compiles.
 */
import { availableParallelism } from 'node:os';

export interface ResourceLimits {
  /** Processes and threads alive at once. */
  processes: number;
  /** Memory (RAM and swap) in MiB. */
  memoryMiB: number;
  /** CPUs' worth of time per period: 1.5 is one and a half cores. */
  cpus: number;
}

/** Which limit a step ran into; CPU is throttled, never hit. */
export type LimitName = 'processes' | 'memory';

/** The configuration field each limit comes from, named in every message about it. */
export const LIMIT_SETTINGS = {
  processes: 'build.limits.processes',
  memoryMiB: 'build.limits.memoryMiB',
  cpus: 'build.limits.cpus',
} as const;

/** The smallest values a sandbox can start with: bubblewrap and a shell need a few processes and MiB. */
const MINIMUM = { processes: 8, memoryMiB: 16, cpus: 0.01 };

export function defaultLimits(): ResourceLimits {
  return { processes: 1024, memoryMiB: 2048, cpus: Math.max(1, Math.floor(availableParallelism() / 2)) };
}

/** The limits `configured` asks for, defaults filled in; throws naming the setting when a value is not usable. */
export function resolveLimits(configured: Partial<Record<keyof ResourceLimits, unknown>> = {}): ResourceLimits {
  const limits = defaultLimits();
  for (const field of ['processes', 'memoryMiB', 'cpus'] as const) {
    const value = configured[field];
    if (value === undefined) continue;
    const whole = field !== 'cpus';
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      value < MINIMUM[field] ||
      (whole && !Number.isInteger(value))
    ) {
      throw new Error(
        `${LIMIT_SETTINGS[field]} is ${JSON.stringify(value)}; it must be ${whole ? 'a whole number' : 'a number'} of at least ${MINIMUM[field]}.`,
      );
    }
    limits[field] = value;
  }
  return limits;
}

/** One line for the log: what applies to every sandboxed command of a run. */
export function describeLimits(limits: ResourceLimits): string {
  return `${limits.processes} processes, ${limits.memoryMiB} MiB of memory, ${limits.cpus} CPU${limits.cpus === 1 ? '' : 's'} (throttled beyond)`;
}

/** A sandboxed command ran into a limit and was stopped. */
export class LimitExceeded extends Error {
  constructor(
    readonly limit: LimitName,
    limits: ResourceLimits,
  ) {
    super(
      limit === 'processes'
        ? `hit the process limit of ${limits.processes} (${LIMIT_SETTINGS.processes}) and was stopped.`
        : `hit the memory limit of ${limits.memoryMiB} MiB (${LIMIT_SETTINGS.memoryMiB}) and was stopped.`,
    );
    this.name = 'LimitExceeded';
  }
}
