/**
 * The `write image` step: the customized root folder back into its partition of the working disk
 * (`mkfs.ext4 -d`, keeping the old file system's UUID, label and features), then the disk as a fixed,
 * 1 MiB-aligned VHD, the image the run distributes. Both tools run confined and stop on a cancel.
 */
import { toFixedVhd, writeRootFs } from '../disk/disk-image.ts';
import type { BuildStep } from '../step-runner.ts';
import type { ImageBuildState } from './image-build-state.ts';

export function writeImageStep(): BuildStep<ImageBuildState> {
  return {
    name: 'write image',
    run: async (state, { log, signal }) => {
      if (!state.partition)
        throw new Error('write image needs the root partition the source step finds; run the source step first.');
      await writeRootFs(state.rootfs, state.raw, state.partition, { signal });
      const vhd = await toFixedVhd(state.raw, state.vhd, signal);
      log.line(`Image written: fixed VHD of ${vhd.size} bytes`);
    },
  };
}
