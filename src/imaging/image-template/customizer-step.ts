/**
 * One step per customizer of a template, made by the runner `RUNNERS` keys to its type
 * (`build/customizers/`). `CustomizerSpec` derives from `RUNNERS`, so a template customizer whose type
 * has no runner does not compile where the run hands its customizers to the build.
 * With `errorHandling.onCustomizerError: abort`, a customizer that fails (not one stopped by a cancel)
 * marks the build to be kept: the stage step's cleanup then leaves the staging group and work folder.
 * In the VM build mode the same customizer runs inside the booted image instead (guest-customizer.ts).
 */
import { join } from 'node:path';
import { runGuestTask } from '../guest/guest-customizer.ts';
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
        throw error;
      }
    },
    ...(step.cleanup ? { cleanup: (state: ImageBuildState, ctx) => step.cleanup!(state, ctx) } : {}),
  };
}

function stepFor(customizer: CustomizerSpec, deps: CustomizerDeps): BuildStep<RootFsState> {
  // Sound by CustomizerSpec's definition: each type's spec is what its own runner takes.
  const runner = RUNNERS[customizer.type] as Runner;
  return runner(customizer, deps);
}
