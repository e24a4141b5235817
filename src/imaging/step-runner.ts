/**
 * Runs a build as a list of steps with Packer's multistep semantics: steps run in order and the
 * first failure stops the run; whatever happens (success, failure, cancel), every step that started
 * gets its `cleanup`, last started first, so temporary resources go away in the reverse order they
 * were made. A cleanup that throws does not stop the others: all their errors are collected. A step
 * whose `applies` says no for the state the steps before it left (a VM build's boot, in a build in
 * place) is passed over without a word: not started, not logged, not cleaned up.
 */
import type { BuildLog } from './build-log.ts';

export interface StepContext {
  signal: AbortSignal;
  log: BuildLog;
}

export interface BuildStep<S> {
  name: string;
  run(state: S, ctx: StepContext): Promise<void>;
  /** Whether the step is part of this build, decided when its turn comes; always when left out. */
  applies?(state: S): boolean;
  /** Called once the run ends if `run` was called, even when `run` threw. */
  cleanup?(state: S, ctx: StepContext): Promise<void>;
}

export interface StepEvent {
  step: string;
  phase: 'started' | 'succeeded' | 'failed' | 'cleaned';
  /** Time spent in this phase: 0 when started, else the run or cleanup duration. */
  elapsedMs: number;
  /** Why `run` failed, or why `cleanup` failed for a `cleaned` event. */
  error?: unknown;
}

export interface RunStepsOptions {
  signal: AbortSignal;
  log: BuildLog;
  onStep?(event: StepEvent): void;
}

export interface CleanupError {
  step: string;
  error: unknown;
}

/** A failed cleanup does not fail a finished build (the image is done), but the caller sees it. */
export type RunStepsResult =
  | { ok: true; cleanupErrors: CleanupError[] }
  | { ok: false; failedStep?: string; error: unknown; canceled: boolean; cleanupErrors: CleanupError[] };

export async function runSteps<S>(
  steps: readonly BuildStep<S>[],
  state: S,
  options: RunStepsOptions,
): Promise<RunStepsResult> {
  const { signal, log } = options;
  const report = (event: StepEvent) => {
    // A broken progress reporter must not skip cleanups.
    try {
      options.onStep?.(event);
    } catch (error) {
      log.line(`progress report for step '${event.step}' failed: ${message(error)}`);
    }
  };
  const started: BuildStep<S>[] = [];
  let failure: { failedStep?: string; error: unknown } | undefined;

  for (const step of steps) {
    if (signal.aborted) {
      failure = { error: signal.reason };
      break;
    }
    if (step.applies && !step.applies(state)) continue;
    started.push(step);
    log.line(`==> ${step.name}: started`);
    report({ step: step.name, phase: 'started', elapsedMs: 0 });
    const begin = performance.now();
    try {
      await step.run(state, { signal, log });
    } catch (error) {
      const elapsedMs = performance.now() - begin;
      log.line(`==> ${step.name}: failed after ${seconds(elapsedMs)}: ${message(error)}`);
      report({ step: step.name, phase: 'failed', elapsedMs, error });
      failure = { failedStep: step.name, error };
      break;
    }
    const elapsedMs = performance.now() - begin;
    log.line(`==> ${step.name}: succeeded in ${seconds(elapsedMs)}`);
    report({ step: step.name, phase: 'succeeded', elapsedMs });
  }
  // A cancel that came while the last step was finishing still counts as a cancel.
  const canceled = signal.aborted;
  if (!failure && canceled) failure = { error: signal.reason };
  if (canceled) log.line('==> build canceled');

  // Cleanups must finish even after a cancel, so they get a signal of their own that never aborts.
  const cleanupCtx: StepContext = { signal: new AbortController().signal, log };
  const cleanupErrors: CleanupError[] = [];
  for (const step of started.reverse()) {
    if (!step.cleanup) continue;
    const begin = performance.now();
    try {
      await step.cleanup(state, cleanupCtx);
      report({ step: step.name, phase: 'cleaned', elapsedMs: performance.now() - begin });
    } catch (error) {
      log.line(`==> ${step.name}: cleanup failed: ${message(error)}`);
      cleanupErrors.push({ step: step.name, error });
      report({ step: step.name, phase: 'cleaned', elapsedMs: performance.now() - begin, error });
    }
  }

  return failure ? { ok: false, ...failure, canceled, cleanupErrors } : { ok: true, cleanupErrors };
}

/** The first line only: a customizer's error repeats output that is already in the log. */
function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
