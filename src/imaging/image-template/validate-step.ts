/**
 * The `validate` step, Azure Image Builder's validate stage: boots the built image (writes thrown
 * away: the validated image is the one distributed) with the communicator let in, and runs each of
 * `validate.inVMValidations` in order inside it (guest-customizer.ts), output in the log under each
 * validator's name. The first failing validator fails the stage, named in the error. With
 * `continueDistributeOnFailure` the failure is recorded instead (the run still ends Failed, as on
 * Azure, but its outputs are distributed). The VM is always stopped when the step ends. With
 * `errorHandling.onValidationError: abort`, a validation that stops the run keeps it as a failed
 * customizer under `abort` does: the staging group and the work folder (the validated image, the
 * serial consoles) stay for a look inside, where Azure keeps its validation VM.
 */
import { join } from 'node:path';
import type { FetchLike } from '../customizers/download-into-image.ts';
import { runGuestTask, type GuestTask } from '../guest/guest-customizer.ts';
import { bootGuest, type GuestSettings, type GuestSize } from '../guest/guest-vm.ts';
import type { BuildStep } from '../step-runner.ts';
import type { OnCustomizerError } from './customizer-step.ts';
import { imageToBoot, type ImageBuildState } from './image-build-state.ts';

export interface Validation {
  inVMValidations: GuestTask[];
  continueDistributeOnFailure: boolean;
  /** The source is validated as it is: no customizers, no generalization. */
  sourceValidationOnly: boolean;
  /** `abort` keeps the run's work when a validator stops the run. */
  onValidationError: OnCustomizerError;
}

export interface ValidateStepOptions {
  validation: Validation;
  guest?: GuestSettings;
  network: boolean;
  /** The VM's vCPUs and memory (the template's `vmProfile.vmSize`, Azure validates on the build VM); unset, Kiln's default. */
  size?(): GuestSize;
  fetch?: FetchLike;
  /** The image as errors name it (the template's name). */
  image: string;
  /** Told when the stage starts, so the run shows its Validating sub-state. */
  started?(): Promise<void>;
}

export function validateStep(options: ValidateStepOptions): BuildStep<ImageBuildState> {
  const { validation } = options;
  return {
    name: 'validate',
    run: async (state, ctx) => {
      if (!options.guest) throw new Error('In-VM validations need a VM, and this Kiln cannot boot VMs.');
      await options.started?.();
      const guest = await bootGuest(
        options.guest,
        imageToBoot(state),
        {
          persistent: false,
          outbound: options.network,
          firmware: state.firmware,
          what: `The customized image of ${options.image}`,
          serialPrefix: 'validate vm',
          work: state.work,
          size: options.size?.(),
        },
        ctx,
      );
      try {
        for (const validator of validation.inVMValidations) {
          const label = `${validator.type} validator '${validator.name}'`;
          ctx.log.line(`Validation: ${label}`);
          try {
            await runGuestTask(
              validator,
              { session: guest.session, label, staging: join(state.work, 'guest-files'), fetch: options.fetch },
              ctx,
            );
          } catch (error) {
            ctx.signal.throwIfAborted();
            const failure = `Validation failed: ${(error as Error).message}`;
            if (!validation.continueDistributeOnFailure) {
              if (validation.onValidationError === 'abort') state.keep = true;
              throw new Error(failure, { cause: error });
            }
            ctx.log.line(`${failure} (continueDistributeOnFailure: the image is distributed anyway)`);
            state.validationFailure = failure;
            return;
          }
        }
        ctx.log.line(`Validation: all ${validation.inVMValidations.length} validator(s) passed`);
      } finally {
        await guest.stop();
      }
    },
  };
}
