/**
 * A build's working disk grown to the template's `vmProfile.osDiskSizeGB` before anything opens or
 * boots it, as Azure VM Image Builder gives its build VM an OS disk of that size: the image the build
 * makes is then that size. Only the disk grows, with zeros at its end; its partitions stay as they
 * are, and the system that boots it grows its root into the space (cloud-init's growpart, in the VM
 * build mode's guest or in a VM made from the image).
 *
 * Azure's rules: 0 keeps the source's size; a size below the source's is refused (a disk never
 * shrinks), naming the field. GB are GiB, as for Azure's disks.
 */
import { truncate } from 'node:fs/promises';
import type { NbdDisk } from './nbd-server.ts';

const GIB = 1024 ** 3;
export const OS_DISK_SIZE_FIELD = 'properties.vmProfile.osDiskSizeGB';

/**
 * The bytes a disk of `sourceBytes` is grown to for `osDiskSizeGB`, or undefined when it keeps its
 * size (0, unset, or the source's size exactly); throws, naming the field, when it is smaller.
 */
export function grownDiskSize(osDiskSizeGB: number | undefined, sourceBytes: number): number | undefined {
  if (!osDiskSizeGB) return undefined;
  const bytes = osDiskSizeGB * GIB;
  if (bytes < sourceBytes)
    throw new Error(
      `${OS_DISK_SIZE_FIELD} is ${osDiskSizeGB} (${bytes} bytes), smaller than the source's disk of ${sourceBytes} bytes: an OS disk cannot shrink. Give 0 for the source's size, or at least ${Math.ceil(sourceBytes / GIB)}.`,
    );
  return bytes === sourceBytes ? undefined : bytes;
}

/** `disk` read as a disk of `size` bytes: its own bytes, then zeros (a copy-on-write overlay's larger base). */
export function zeroExtendedDisk(disk: NbdDisk, size: number): NbdDisk {
  if (size < disk.size) throw new RangeError(`A disk of ${disk.size} bytes cannot be read as one of ${size}.`);
  return {
    size,
    read: async (offset, length) => {
      const inside = Math.max(0, Math.min(offset + length, disk.size) - offset);
      if (inside === length) return disk.read(offset, length);
      const bytes = Buffer.alloc(length);
      if (inside > 0) (await disk.read(offset, inside)).copy(bytes);
      return bytes;
    },
  };
}

/** Grows the raw disk file at `path` from `from` bytes to `to`, sparse: the new space costs no host disk until written. */
export async function growRawDisk(path: string, from: number, to: number): Promise<void> {
  if (to <= from) throw new RangeError(`A disk of ${from} bytes cannot grow to ${to}.`);
  await truncate(path, to);
}
