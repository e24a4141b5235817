/**
 * One step per customizer of a template, made by the runner `RUNNERS` keys to its type
 * (`build/customizers/`). `CustomizerSpec` derives from `RUNNERS`, so a template customizer whose type
 * has no runner does not compile where the run hands its customizers to the build.
 * With `errorHandling.onCustomizerError: abort`, a customizer that fails (not one stopped by a cancel)
 * marks the build to be kept: the stage step's cleanup then leaves the staging group and work folder.
 * In the VM build mode the same customizer runs inside the booted image instead (guest-customizer.ts).
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runGuestTask } from '../guest/guest-customizer.ts';
import type { RestartSpec } from '../guest/guest-restart.ts';
import type { GuestVm } from '../guest/guest-vm.ts';
import type { CustomizerDeps } from '../customizers/customizer-deps.ts';
import { fileStep } from '../customizers/file.ts';
import { powerShellStep } from '../customizers/powershell.ts';
import { shellStep } from '../customizers/shell.ts';
import type { RootFsState } from '../sandbox.ts';
import type { BuildStep } from '../step-runner.ts';
import type { ImageBuildState } from './image-build-state.ts';

/** The runner of each customizer type, keyed by the type as templates spell it. */
const RUNNERS = {
  Shell: shellStep,
  PowerShell: powerShellStep,
  File: fileStep,
};

type Runners = typeof RUNNERS;
type Runner = (spec: CustomizerSpec, deps: CustomizerDeps) => BuildStep<RootFsState>;

/** A customizer the build can run: the spec its type's runner takes, with that type. */
export type CustomizerSpec = { [T in keyof Runners]: Parameters<Runners[T]>[0] & { type: T } }[keyof Runners];

/** What a template's `customize` list holds for the build: customizers, and restarts of the build VM. */
export type BuildCustomizer = CustomizerSpec | RestartSpec;

/** What a failed customizer does to the rest of the run: `cleanup` removes everything, `abort` keeps it for debugging. */
export type OnCustomizerError = 'cleanup' | 'abort';

export function customizerStep(
  customizer: CustomizerSpec,
  deps: CustomizerDeps,
  onError: OnCustomizerError,
): BuildStep<ImageBuildState> {
  const step = stepFor(customizer, deps);
  return {
    name: step.name,
    run: async (state, ctx) => {
      try {
        if (state.guest)
          await runGuestTask(
            customizer,
            {
              session: state.guest.session,
              label: `${customizer.type} customizer '${customizer.name}'`,
              staging: join(state.work, 'guest-files'),
              fetch: deps.fetch,
            },
            ctx,
          );
        else await step.run(state, ctx);
      } catch (error) {
        if (onError === 'abort' && !ctx.signal.aborted) state.keep = true;
        if (state.guest && !ctx.signal.aborted && (await wentDown(state.guest)))
          throw new Error(
            `${customizer.type} customizer '${customizer.name}': the VM went down while it ran (did it restart or power off?). ` +
              'Restart in a WindowsRestart customizer, which waits for the VM to come back.',
            { cause: error },
          );
        throw error;
      }
    },
    ...(step.cleanup ? { cleanup: (state: ImageBuildState, ctx) => step.cleanup!(state, ctx) } : {}),
  };
}

/** Whether the build VM has ended, given a moment to finish ending: a dropped session may come first. */
function wentDown(guest: GuestVm): Promise<boolean> {
  const waited = new AbortController();
  return Promise.race([
    guest.vm.exited.then(() => true),
    sleep(2_000, false, { signal: waited.signal }).catch(() => false),
  ]).finally(() => waited.abort());
}

function stepFor(customizer: CustomizerSpec, deps: CustomizerDeps): BuildStep<RootFsState> {
  // Sound by CustomizerSpec's definition: each type's spec is what its own runner takes.
  const runner = RUNNERS[customizer.type] as Runner;
  return runner(customizer, deps);
}
