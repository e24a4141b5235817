/**
 * A raw disk that boots both under a PC BIOS and under UEFI (Azure's Generation 1 and 2), laid out
 * as Debian's own cloud images are:
 *
 * - GPT; partition 14, from 1 MiB, the 3 MiB BIOS boot partition holding GRUB's core for BIOS;
 *   partition 15, from 4 MiB, the 124 MiB EFI system partition (FAT) holding GRUB for UEFI; partition
 *   1, from 128 MiB to the end, the ext4 root. The root is typed "Linux root (x86-64)", as the
 *   Discoverable Partitions Specification says, so partitions.ts finds it first; and it is last, so
 *   a machine whose disk is bigger than the image grows it in place (cloud-init's growpart).
 * - The root file system is made from a directory (ext4.ts, no mount) with the caller's label, which
 *   its fstab names, and a new UUID, by which GRUB and the kernel find it.
 * - GRUB (grub.ts) boots /vmlinuz with /initrd.img, the links Debian's kernel packages keep pointing
 *   at the newest kernel, so a kernel a build installs is the one that boots; with no menu wait.
 *
 * The tree gets its /boot/grub/grub.cfg here. Nothing in the image rewrites it: Debian's update-grub
 * hooks come with grub-pc or grub-efi-amd64, which such an image does not hold (only their -bin
 * module packages).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeRootFs } from './ext4.ts';
import { installGrub } from './grub.ts';
import { partitionName, readPartitionTable } from './partitions.ts';
import { runConfined } from './run.ts';

const MIB = 1024 * 1024;
const SECTOR = 512;
/** Where the root partition starts: what the boot partitions before it leave. */
export const BOOTABLE_ROOT_START_MIB = 128;
const BIOS_BOOT = { number: 14, startMiB: 1, sizeMiB: 3, type: '21686148-6449-6E6F-744E-656564454649' };
const ESP = { number: 15, startMiB: 4, sizeMiB: 124, type: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B' };
const ROOT = { number: 1, startMiB: BOOTABLE_ROOT_START_MIB, type: '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709' };

export interface BootableDiskOptions {
  /** The whole disk, boot partitions included. */
  sizeMiB: number;
  /** The root file system's label (what the tree's fstab names). */
  label: string;
  /** The kernel's command line after `root=UUID=… ro`: its consoles, say. */
  kernelArguments: string;
}

/** The GRUB config the cores load: one entry, booted at once, its menu on the serial port too. */
const grubConfig = (rootUuid: string, kernelArguments: string) => `# Written by Kiln when it made this image.
set timeout=0
serial --unit=0 --speed=115200
terminal_input console serial
terminal_output console serial
menuentry 'Debian GNU/Linux' {
  linux /vmlinuz root=UUID=${rootUuid} ro ${kernelArguments}
  initrd /initrd.img
}
`;

/** Writes the bootable disk to `output` from the root file system in `root` (which gets its /boot/grub/grub.cfg). */
export async function bootableDiskFromRootFs(
  root: string,
  output: string,
  options: BootableDiskOptions,
): Promise<void> {
  if (options.sizeMiB <= BOOTABLE_ROOT_START_MIB + 1)
    throw new Error(`A bootable disk needs more than ${BOOTABLE_ROOT_START_MIB + 1} MiB; ${options.sizeMiB} asked.`);
  const rootUuid = randomUUID();
  await mkdir(join(root, 'boot', 'grub'), { recursive: true });
  await writeFile(join(root, 'boot', 'grub', 'grub.cfg'), grubConfig(rootUuid, options.kernelArguments));

  await writeFile(output, '');
  await truncate(output, options.sizeMiB * MIB);
  const disk = resolve(output);
  // sfdisk numbers a line's partition after the device name it starts with (`<disk>14 : …`).
  const line = (p: { number: number; startMiB: number; sizeMiB?: number; type: string }) =>
    `${partitionName(disk, p.number)} : start=${(p.startMiB * MIB) / SECTOR}, ` +
    `${p.sizeMiB === undefined ? '' : `size=${(p.sizeMiB * MIB) / SECTOR}, `}type=${p.type}`;
  const table = ['label: gpt', line(BIOS_BOOT), line(ESP), line(ROOT)].join('\n');
  await runConfined('sfdisk', ['--quiet', disk], { write: [output] }, { input: `${table}\n` });
  const partitions = (await readPartitionTable(output))!.partitions;
  const place = (number: number) => {
    const { start, size, type } = partitions.find((p) => p.number === number)!;
    return { start, size, type };
  };

  await writeRootFs(root, output, { ...place(ROOT.number), table: 'gpt' }, { label: options.label, uuid: rootUuid });
  const work = await mkdtemp(join(tmpdir(), 'kiln-grub-'));
  try {
    await installGrub({ disk, esp: place(ESP.number), rootUuid, modules: join(root, 'usr', 'lib', 'grub'), work });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
