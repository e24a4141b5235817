/**
 * The `generalize` step of an image build: in place, the root file system directory is generalized
 * from the host (generalize.ts); in the VM build mode, inside the guest (guest-generalize.ts), which
 * then powers off cleanly so the working disk can become the image.
 */
import { generalizeInGuest } from '../guest/guest-generalize.ts';
import { generalizeStep, type GeneralizeOptions } from '../generalize.ts';
import type { BuildStep } from '../step-runner.ts';
import type { ImageBuildState } from './image-build-state.ts';

export function imageGeneralizeStep(options: GeneralizeOptions): BuildStep<ImageBuildState> {
  const inPlace = generalizeStep(options);
  return {
    name: inPlace.name,
    run: async (state, ctx) => {
      if (!state.guest) return inPlace.run(state, ctx);
      await generalizeInGuest(state.guest.session, ctx);
      await state.guest.close();
      state.guest = undefined;
    },
  };
}
