/**
 * The `write image` step: closes the root file system the source step opened in place (fuse2fs writes
 * everything back and exits), checks it again with `e2fsck -fn` (confined, ext4.ts: nothing is
 * published unless it passes), and makes the built image, a fixed,
 * 1 MiB-aligned VHD (built-image.ts). Everything outside what the steps changed (partition table, boot
 * loader, other partitions) is the source's, byte for byte. Every tool runs confined and stops on a
 * cancel. In the VM build mode the guest has powered off (generalize), so its file systems are
 * clean, and the disk is published as it is.
 *
 * A working disk of its own becomes the VHD file with no copy (the footer appended). An overlay over
 * the source (overlay-disk.ts) stays as it is: the image is its raw disk, a new footer, and the list
 * of the chunks any write reached, so storing it writes only those.
 */
import { CHUNK_SIZE } from '../../core/content-id.ts';
import { createFixedVhdFooter, VHD_FOOTER_SIZE } from '../../core/vhd.ts';
import { toFixedVhd } from '../disk/disk-image.ts';
import { checkBuiltRootFs } from '../disk/ext4.ts';
import type { OverlayDisk } from '../disk/overlay-disk.ts';
import type { BuildStep } from '../step-runner.ts';
import type { BuiltImage } from './built-image.ts';
import type { ImageBuildState } from './image-build-state.ts';

export function writeImageStep(): BuildStep<ImageBuildState> {
  return {
    name: 'write image',
    run: async (state, { log, signal }) => {
      if (state.guest) throw new Error('write image needs the VM powered off by generalize first.');
      // An overlay's image is its disk as it is, with what changed mapped: made while the root is checked.
      let image: Promise<BuiltImage> | undefined;
      if (state.mode !== 'vm') {
        if (!state.partition || !state.root)
          throw new Error('write image needs the root file system the source step opens; run the source step first.');
        await state.root.close();
        state.root = undefined;
        // Mapping the overlay's changes (an fsync of the export, a confined `qemu-img map`) reads and
        // publishes nothing, so it runs beside e2fsck instead of after it; the image is only set once
        // the check passed, and a failed check fails the step with its findings whatever the map did.
        image = state.overlay && overlayImage(state.overlay, signal);
        image?.catch(() => undefined); // handled: awaited below, once the check passed
        try {
          await checkBuiltRootFs(state.raw, state.partition, signal);
        } catch (error) {
          await image?.catch(() => undefined);
          throw error;
        }
        log.line('Root file system closed and checked (e2fsck -fn)');
      }
      if (state.overlay) {
        state.image = await (image ?? overlayImage(state.overlay, signal));
        const total = Math.ceil(state.image.size / CHUNK_SIZE);
        const changed = state.image.changedChunks!.length;
        log.line(`Image written: fixed VHD of ${state.image.size} bytes, ${changed} of its ${total} chunks changed`);
        return;
      }
      // The working disk is not needed after: it becomes the VHD, with no copy.
      const vhd = await toFixedVhd(state.raw, state.vhd, signal, { consume: true });
      state.image = { path: state.vhd, format: 'vpc', size: vhd.size };
      log.line(`Image written: fixed VHD of ${vhd.size} bytes`);
    },
  };
}

/** The overlay's disk as the built VHD: its raw bytes, a new footer, and what changed. */
async function overlayImage(overlay: OverlayDisk, signal: AbortSignal): Promise<BuiltImage> {
  const diskSize = overlay.size;
  const changes = await overlay.changes(signal);
  const footer = createFixedVhdFooter(diskSize);
  // The footer is new (its own time stamp and id), so the chunk holding it always changes.
  const footerChunk = Math.floor(diskSize / CHUNK_SIZE);
  return {
    path: overlay.path,
    format: 'raw',
    size: diskSize + VHD_FOOTER_SIZE,
    footer,
    changedChunks: [...new Set([...changes.chunks(CHUNK_SIZE), footerChunk])].sort((a, b) => a - b),
    read: async (offset, length) => {
      const fromDisk = Math.max(0, Math.min(offset + length, diskSize) - offset);
      const bytes = Buffer.alloc(length);
      if (fromDisk > 0) (await changes.read(offset, fromDisk)).copy(bytes);
      if (offset + length > diskSize) footer.copy(bytes, fromDisk, Math.max(0, offset - diskSize));
      return bytes;
    },
  };
}
