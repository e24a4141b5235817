/**
 * Disk images for builds, without mounting anything: convert any VM image to a raw disk, find its
 * ext2/3/4 root partition, extract the root file system to a directory, write a directory back as a
 * new file system in that partition, and publish the raw disk as an Azure-sized fixed VHD.
 *
 * Tools: qemu-img (qemu-utils), sfdisk (fdisk), mkfs.ext4/debugfs/dumpe2fs/e2fsck (e2fsprogs),
 * cp/mknod/du (coreutils), fallocate (util-linux); scripts/setup.sh installs them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkExtFs } from './ext4.ts';
import { checkImageMetadata, inspectImage, toRaw } from './image-format.ts';
import { findRootPartition } from './partitions.ts';

export { extractRootFs, writeRootFs } from './ext4.ts';
export { moveToRaw, toFixedVhd, toRaw } from './image-format.ts';
export { findRootPartition, type RootPartition } from './partitions.ts';

/**
 * Checks an image the way a hypervisor will use it: qemu-img opens it (and `qemu-img check`s the
 * formats with metadata), and its root partition passes `e2fsck -fn`. Non-raw images are checked
 * through a raw copy made next to them (sharing blocks where the file system can).
 */
export async function checkImage(path: string): Promise<{ format: string; virtualSize: number }> {
  const info = await inspectImage(path);
  await checkImageMetadata(path, info);
  if (info.format === 'raw') {
    await checkExtFs(path, await findRootPartition(path));
  } else {
    const work = await mkdtemp(join(dirname(path), '.kiln-check-'));
    try {
      const raw = join(work, 'disk.raw');
      await toRaw(path, raw);
      await checkExtFs(raw, await findRootPartition(raw));
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  return { format: info.format, virtualSize: info.virtualSize };
}
