/**
 * The build of one image template run, as steps (Packer's multistep, `step-runner.ts`): **stage**,
 * **source**, **vm** (VM build mode), one step per **customizer** (or **restart**), **generalize**, **write image**, **boot check** (when
 * enabled), **store image** (when the run keeps its image); each is a file of this folder or of `build/customizers/` and `build/generalize.ts`. Their cleanups run in reverse order
 * after success, failure or cancel. What the build needs from outside (where the source's bytes
 * are, the staging group's record, the run's progress) comes in as plain functions and data, so this
 * layer knows nothing of templates as resources; `jobs/tasks/run-image-template.ts` passes them in.
 */
import type { CustomizerDeps } from '../customizers/customizer-deps.ts';
import type { GuestSettings, GuestSize } from '../guest/guest-vm.ts';
import type { ResourceLimits } from '../limits/resource-limits.ts';
import type { MetadataStore } from '../../ports/metadata-store.ts';
import { runSteps, type BuildStep, type RunStepsResult, type StepContext } from '../step-runner.ts';
import type { BuiltImage } from './built-image.ts';
import type { BuildLog } from '../build-log.ts';
import { bootCheckStep, type BootCheck } from './boot-check-step.ts';
import { customizerStep, type BuildCustomizer, type OnCustomizerError } from './customizer-step.ts';
import { explainDiskFull } from './disk-full.ts';
import { imageBuildState, type ImageBuildState } from './image-build-state.ts';
import { sourceStep, type SourceImage, type SourceStepOptions } from './source-step.ts';
import { stageStep, type StagingGroup } from './stage-step.ts';
import { writeImageStep } from './write-image-step.ts';
import { imageGeneralizeStep } from './generalize-step.ts';
import { validateStep, type Validation } from './validate-step.ts';
import { restartStep } from './restart-step.ts';
import { vmStep } from './vm-step.ts';

export interface ImageBuild<S extends SourceImage> {
  /** The run's work folder. */
  work: string;
  store: MetadataStore;
  staging: StagingGroup;
  source: SourceStepOptions<S>;
  customize: readonly BuildCustomizer[];
  onCustomizerError: OnCustomizerError;
  /** What customizers get: the network switch, how downloads are made, `build.limits`. */
  customizers: CustomizerDeps & { limits: ResourceLimits };
  /** When set, the built image is booted and must reach a login prompt (`build.bootCheck`, `kiln build --boot-check`). */
  bootCheck?: BootCheck;
  /** How builds boot VMs to work in (VM build mode, validation); unset where this Kiln cannot. */
  guest?: GuestSettings;
  /**
   * What those VMs get (the template's `vmProfile.vmSize`), asked when one boots, so a build that
   * boots none never needs it; it throws, naming the field, when the size cannot be had. Unset, Kiln's default.
   */
  vmSize?(): GuestSize;
  /** The template's validate stage, when it has in-VM validations; `image` names the image in errors. */
  validate?: Validation & { image: string; started?(): Promise<void> };
  /**
   * Keeps the built image (the run's region store), as the last step: while it runs the working disk
   * is still there to read, an overlay's included, which the source step's cleanup ends.
   */
  keepImage?(image: BuiltImage, ctx: StepContext): Promise<void>;
}

export function imageBuildSteps<S extends SourceImage>(build: ImageBuild<S>): BuildStep<ImageBuildState>[] {
  const network = build.customizers.network === true;
  const vm = { guest: build.guest, network, size: build.vmSize };
  // Azure's sourceValidationOnly: the source is validated as it is, with no build of its own.
  const customized = build.validate?.sourceValidationOnly !== true;
  return [
    stageStep(build.store, build.staging),
    sourceStep({
      ...build.source,
      vmBuilds: build.guest !== undefined,
      needsVm: needsVm(build.customize),
      checkedRoots: build.store,
    }),
    ...(customized
      ? [
          // Without VMs the source step refuses a build that needs one, so there is nothing to boot.
          ...(build.guest ? [vmStep({ ...vm, guest: build.guest })] : []),
          ...build.customize.map((customizer) =>
            customizer.type === 'WindowsRestart'
              ? restartStep(customizer)
              : customizerStep(customizer, build.customizers, build.onCustomizerError),
          ),
          imageGeneralizeStep({ limits: build.customizers.limits }),
        ]
      : []),
    writeImageStep(),
    ...(build.validate && build.validate.inVMValidations.length > 0
      ? [
          validateStep({
            ...vm,
            validation: build.validate,
            fetch: build.customizers.fetch,
            image: build.validate.image,
            started: build.validate.started,
          }),
        ]
      : []),
    ...(build.bootCheck ? [bootCheckStep(build.bootCheck)] : []),
    ...(build.keepImage ? [storeImageStep(build.keepImage)] : []),
  ].map(explainDiskFull);
}

function storeImageStep(keepImage: NonNullable<ImageBuild<SourceImage>['keepImage']>): BuildStep<ImageBuildState> {
  return {
    name: 'store image',
    run: async (state, ctx) => {
      if (!state.image) throw new Error('There is no built image to store: the write image step runs first.');
      await keepImage(state.image, ctx);
    },
  };
}

/** Why the customizers need the build VM whatever the root: a restart needs a running system. */
function needsVm(customize: readonly BuildCustomizer[]): string | undefined {
  const restart = customize.find((customizer) => customizer.type === 'WindowsRestart');
  return restart && `the template restarts the VM (WindowsRestart customizer '${restart.name}')`;
}

/** Runs the build's steps; the state says where the built VHD is and whether to keep the work folder. */
export async function runImageBuild<S extends SourceImage>(
  build: ImageBuild<S>,
  options: { signal: AbortSignal; log: BuildLog },
): Promise<{ result: RunStepsResult; state: ImageBuildState }> {
  const state = imageBuildState(build.work);
  const result = await runSteps(imageBuildSteps(build), state, options);
  return { result, state };
}
