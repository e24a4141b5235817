/**
 * A step that failed once a disk was full failed for that reason, whatever error the tool gave
 * (ENOSPC, a short write, a damaged-looking file system): say so, so the user fixes the cause instead
 * of chasing the symptom. Two disks can fill: the run's space, bounded by `build.limits.diskMiB`
 * (named with its setting), and the image's own root file system, as big as the source's root
 * partition (named with its size: the source disk must grow).
 */
import { DiskLimitReached } from '../disk/disk-limit.ts';
import { fileSystemFull, runSpaceFull } from '../disk/run-space.ts';
import type { BuildStep } from '../step-runner.ts';
import type { ImageBuildState } from './image-build-state.ts';

const MIB = 1024 * 1024;

const isNoSpace = (error: unknown): boolean =>
  (error as NodeJS.ErrnoException)?.code === 'ENOSPC' || /No space left on device/.test(String(error));

export function explainDiskFull(step: BuildStep<ImageBuildState>): BuildStep<ImageBuildState> {
  return {
    ...step,
    run: async (state, ctx) => {
      try {
        await step.run(state, ctx);
      } catch (error) {
        // Before the root is open, only the run's space is being written: out of room there is the limit.
        const runSpaceWrite = state.root === undefined && isNoSpace(error);
        if (state.diskLimit && (runSpaceWrite || (await runSpaceFull(state.work))))
          throw new DiskLimitReached(state.diskLimit, error);
        if (state.root && state.partition && (await fileSystemFull(state.root.path)))
          throw new RootFileSystemFull(state.partition.size, error);
        throw error;
      }
    },
  };
}

/** The image's root file system ran out of room: it is as big as its partition in the source, and a build does not grow it. */
export class RootFileSystemFull extends Error {
  constructor(partitionBytes: number, cause: unknown) {
    super(
      `the image's root file system is full (its partition holds ${(partitionBytes / MIB).toFixed(0)} MiB, as in the source image; ` +
        `a build does not grow it, so start from a source with a bigger disk and root partition): ` +
        (cause instanceof Error ? cause.message : String(cause)),
      { cause },
    );
    this.name = 'RootFileSystemFull';
  }
}
