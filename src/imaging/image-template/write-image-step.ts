/**
 * The `write image` step: closes the root file system the source step opened in place (fuse2fs writes
 * everything back and exits), checks it again with `e2fsck -fn`, and publishes the working disk as a
 * fixed, 1 MiB-aligned VHD, the image the run distributes. Everything outside what the steps changed
 * (partition table, boot loader, other partitions) is the source's, byte for byte. Every tool runs
 * confined and stops on a cancel. In the VM build mode the guest has powered off (generalize), so
 * its file systems are clean, and the disk is published as it is.
 */
import { toFixedVhd } from '../disk/disk-image.ts';
import { checkBuiltRootFs } from '../disk/ext4.ts';
import type { BuildStep } from '../step-runner.ts';
import type { ImageBuildState } from './image-build-state.ts';

export function writeImageStep(): BuildStep<ImageBuildState> {
  return {
    name: 'write image',
    run: async (state, { log, signal }) => {
      if (state.guest) throw new Error('write image needs the VM powered off by generalize first.');
      if (state.mode !== 'vm') {
        if (!state.partition || !state.root)
          throw new Error('write image needs the root file system the source step opens; run the source step first.');
        await state.root.close();
        state.root = undefined;
        await checkBuiltRootFs(state.raw, state.partition, signal);
        log.line('Root file system closed and checked (e2fsck -fn)');
      }
      // The working disk is not needed after: it becomes the VHD, with no copy.
      const vhd = await toFixedVhd(state.raw, state.vhd, signal, { consume: true });
      log.line(`Image written: fixed VHD of ${vhd.size} bytes`);
    },
  };
}
