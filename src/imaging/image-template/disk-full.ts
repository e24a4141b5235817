/**
 * A step that failed once the run's space was full failed for that reason, whatever error the tool
 * gave (ENOSPC, a short write, a damaged-looking file system): say so, naming the limit and its
 * setting, so the user raises `build.limits.diskMiB` instead of chasing the symptom.
 */
import { DiskLimitReached } from '../disk/disk-limit.ts';
import { runSpaceFull } from '../disk/run-space.ts';
import type { BuildStep } from '../step-runner.ts';
import type { ImageBuildState } from './image-build-state.ts';

export function explainDiskFull(step: BuildStep<ImageBuildState>): BuildStep<ImageBuildState> {
  return {
    ...step,
    run: async (state, ctx) => {
      try {
        await step.run(state, ctx);
      } catch (error) {
        if (state.diskLimit && (await runSpaceFull(state.work))) throw new DiskLimitReached(state.diskLimit, error);
        throw error;
      }
    },
  };
}
