/**
 * A disk file checked as a platform image and made the fixed VHD the catalog keeps: it must be a disk
 * image (raw, VHD, qcow2, vmdk, vhdx) holding a partitioned (or bare) Linux root file system. Every
 * tool that reads it runs confined (image-format.ts), since its bytes are hostile until checked. The
 * offline `kiln platform-image import` and the server's import job both come here, so both check alike.
 */
import { join } from 'node:path';
import { findRootPartition, moveToRaw, toFixedVhd, toRaw } from './disk-image.ts';
import { NeedsVmBuild } from './partitions.ts';

export interface PlatformDisk {
  /** The fixed VHD, in `work`. */
  vhd: string;
  /** The format the file came in, as qemu-img names it. */
  format: string;
  /** Where its root is, for the operator: a partition, or a root only a booted VM can change. */
  root: string;
}

/** Thrown when the file is no platform image; the message names it as `name`, never a working path. */
export class NotAPlatformImage extends Error {
  override name = 'NotAPlatformImage';
}

/**
 * Checks `file` and writes its fixed VHD into `work` (which must be empty and on one file system with
 * `file` when `consume` is set: the file is then moved rather than copied, and gone afterwards).
 */
export async function platformDisk(
  file: string,
  work: string,
  options: { name: string; consume?: boolean; signal?: AbortSignal },
): Promise<PlatformDisk> {
  const { name, signal } = options;
  const raw = join(work, 'disk.raw');
  // Tools name the files they were given: the user's name for them is what the operator knows.
  const named = (error: Error) =>
    new NotAPlatformImage(
      `${name} cannot be a platform image: ${error.message.replaceAll(raw, 'it').replaceAll(file, 'it')}`,
    );
  const source = await (options.consume ? moveToRaw(file, raw, signal) : toRaw(file, raw)).catch((error: Error) => {
    throw signal?.aborted ? error : named(error);
  });
  // A root Kiln cannot open in place (xfs, btrfs, LVM) is still an image: its builds run in the VM.
  const root = await findRootPartition(raw, signal).then(
    (found) => `root file system on a ${found.table} partition at byte ${found.start}`,
    (error: Error) => {
      if (error instanceof NeedsVmBuild) return 'a root Kiln cannot open in place, so its builds boot it';
      throw signal?.aborted ? error : named(error);
    },
  );
  const vhd = join(work, 'disk.vhd');
  await toFixedVhd(raw, vhd, signal, { consume: true });
  return { vhd, format: source.format, root };
}
