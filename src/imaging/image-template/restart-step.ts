/**
 * A restart step of the VM build mode (the template's `WindowsRestart` customizer): the booted
 * working disk restarts and the build goes on in the VM that came back (guest-restart.ts). The
 * source step put the build in the VM because the template restarts, so there always is one here.
 */
import { restartGuest, type RestartSpec } from '../guest/guest-restart.ts';
import type { BuildStep } from '../step-runner.ts';
import type { ImageBuildState } from './image-build-state.ts';

export function restartStep(spec: RestartSpec): BuildStep<ImageBuildState> {
  return {
    name: spec.name,
    run: async (state, ctx) => {
      if (!state.guest) throw new Error(`WindowsRestart customizer '${spec.name}' needs the build VM, and none runs.`);
      state.guest = await restartGuest(state.guest, spec, ctx);
    },
  };
}
