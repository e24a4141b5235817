/**
 * One step per customizer of a template, by its type (Shell, File, PowerShell: `build/customizers/`).
 * With `errorHandling.onCustomizerError: abort`, a customizer that fails (not one stopped by a cancel)
 * marks the build to be kept: the stage step's cleanup then leaves the staging group and work folder.
 */
import type { CustomizerDeps } from '../customizers/customizer-deps.ts';
import { fileStep, type FileCustomizer } from '../customizers/file.ts';
import { powerShellStep, type PowerShellCustomizer } from '../customizers/powershell.ts';
import { shellStep, type ShellCustomizer } from '../customizers/shell.ts';
import type { RootFsState } from '../sandbox.ts';
import type { BuildStep } from '../step-runner.ts';
import type { ImageBuildState } from './image-build-state.ts';

export type CustomizerSpec = ShellCustomizer | FileCustomizer | PowerShellCustomizer;

/** What a failed customizer does to the rest of the run: `cleanup` removes everything, `abort` keeps it for debugging. */
export type OnCustomizerError = 'cleanup' | 'abort';

export function customizerStep(customizer: CustomizerSpec, deps: CustomizerDeps, onError: OnCustomizerError): BuildStep<ImageBuildState> {
  const step = stepFor(customizer, deps);
  return {
    name: step.name,
    run: async (state, ctx) => {
      try {
        await step.run(state, ctx);
      } catch (error) {
        if (onError === 'abort' && !ctx.signal.aborted) state.keep = true;
        throw error;
      }
    },
    ...(step.cleanup ? { cleanup: (state: ImageBuildState, ctx) => step.cleanup!(state, ctx) } : {}),
  };
}

function stepFor(customizer: CustomizerSpec, deps: CustomizerDeps): BuildStep<RootFsState> {
  switch (customizer.type) {
    case 'Shell':
      return shellStep(customizer, deps);
    case 'File':
      return fileStep(customizer, deps);
    case 'PowerShell':
      return powerShellStep(customizer, deps);
  }
}
