/**
 * GRUB installed into a GPT disk image file so that it boots both ways, with no loop device and no
 * mount of the disk (as mkosi does it):
 *
 * - BIOS: a core image (`grub-mkimage -O i386-pc`) that `grub-bios-setup` embeds in the BIOS boot
 *   partition, putting boot.img's code in the protective MBR; it reaches the disk through a device
 *   map `(hd0) <disk file>`.
 * - UEFI: the removable-media path `\EFI\BOOT\BOOTX64.EFI` (`grub-mkimage -O x86_64-efi`), which
 *   firmware boots with no boot entry in its variables, on a FAT EFI system partition made with
 *   mkfs.vfat and filled with mtools in a file of its own, then written into the disk at its place.
 *
 * Both cores embed every module a boot needs (GPT, ext4, search, Linux, the serial terminal) and a
 * config that finds the root file system by its UUID and sets the prefix to its /boot/grub, whose
 * grub.cfg they then read; so no module is loaded from the disk at boot. The modules come from the
 * image's own GRUB packages (`modules`: the tree's /usr/lib/grub), the programs from the host's
 * (grub-common, grub-pc-bin), Debian's same release on a Debian 12 host.
 *
 * Everything here reads and writes files Kiln made itself from Debian's packages, so the tools run
 * unconfined (run.ts's `run`); nothing of a user's image passes through them.
 */
import { copyFile, mkdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './run.ts';

/** grub-pc-bin's: Debian leaves the program in the module folder (grub-pc links it into /usr/sbin). */
const GRUB_BIOS_SETUP = '/usr/lib/grub/i386-pc/grub-bios-setup';
/**
 * What both cores carry: read GPT and the root's file system (ext4 as made here, or xfs when a user
 * moves the root there, which the VM build mode can build), find the root, run grub.cfg, boot Linux,
 * talk on a serial port.
 */
const CORE_MODULES = [
  'part_gpt',
  'ext2',
  'xfs',
  'search',
  'search_fs_uuid',
  'configfile',
  'normal',
  'echo',
  'test',
  'linux',
  'serial',
  'terminal',
];
const BIOS_MODULES = ['biosdisk', ...CORE_MODULES];
/** all_video: the kernel gets the firmware's frame buffer on machines with a screen. */
const EFI_MODULES = [...CORE_MODULES, 'all_video'];

export interface GrubTarget {
  /** The raw disk, already partitioned, with the root file system in place. */
  disk: string;
  /** The disk's EFI system partition, in bytes (grub-bios-setup finds the BIOS boot partition itself). */
  esp: { start: number; size: number };
  /** The root file system's UUID, which the cores search for. */
  rootUuid: string;
  /** The image's GRUB module folders' parent (its /usr/lib/grub): i386-pc and x86_64-efi. */
  modules: string;
  /** A scratch folder of the caller's. */
  work: string;
}

/** The config both cores run first: the root by UUID, then the root's /boot/grub/grub.cfg (normal reads it). */
const earlyConfig = (rootUuid: string) =>
  `search --no-floppy --fs-uuid --set=root ${rootUuid}\nset prefix=($root)/boot/grub\n`;

export async function installGrub(target: GrubTarget): Promise<void> {
  const early = join(target.work, 'grub-early.cfg');
  await writeFile(early, earlyConfig(target.rootUuid));
  await installBios(target, early);
  await installEfi(target, early);
}

async function installBios(target: GrubTarget, early: string): Promise<void> {
  const dir = join(target.work, 'grub-i386-pc');
  await mkdir(dir, { recursive: true });
  const modules = join(target.modules, 'i386-pc');
  await mkImage(modules, 'i386-pc', join(dir, 'core.img'), early, BIOS_MODULES);
  await copyFile(join(modules, 'boot.img'), join(dir, 'boot.img'));
  const deviceMap = join(target.work, 'device.map');
  await writeFile(deviceMap, `(hd0) ${target.disk}\n`);
  // grub-bios-setup insists on finding the device its -d folder lives on, from /proc/self/mountinfo,
  // though it only uses it when it cannot embed the core (here it always can: the BIOS boot
  // partition is there for it). For a folder on the host's disk that device may not even exist (a
  // container), and it is not the image anyway. In a mount namespace of its own, a mountinfo that
  // names the image file as the device of / settles that; it writes the disk only through the map.
  const mountinfo = join(target.work, 'mountinfo');
  await writeFile(mountinfo, `1 0 1:1 / / - ext4 ${target.disk} rw\n`);
  await run('unshare', [
    '--mount',
    '--propagation',
    'private',
    'sh',
    '-c',
    'mount --bind "$1" /proc/$$/mountinfo && exec "$2" --directory "$3" --device-map "$4" "(hd0)"',
    'sh',
    mountinfo,
    GRUB_BIOS_SETUP,
    dir,
    deviceMap,
  ]);
}

async function installEfi(target: GrubTarget, early: string): Promise<void> {
  const loader = join(target.work, 'BOOTX64.EFI');
  await mkImage(join(target.modules, 'x86_64-efi'), 'x86_64-efi', loader, early, EFI_MODULES);
  // A sparse file of the partition's size: mkfs.vfat picks the FAT type and cluster size for it.
  const esp = join(target.work, 'esp.img');
  await writeFile(esp, '');
  await truncate(esp, target.esp.size);
  await run('mkfs.vfat', ['-n', 'EFI', esp]);
  await run('mmd', ['-i', esp, '::/EFI', '::/EFI/BOOT']);
  await run('mcopy', ['-i', esp, loader, '::/EFI/BOOT/BOOTX64.EFI']);
  // conv=sparse skips the zeros, so the disk stays as sparse as the file system is empty.
  await run('dd', [
    `if=${esp}`,
    `of=${target.disk}`,
    'bs=1M',
    'oflag=seek_bytes',
    `seek=${target.esp.start}`,
    'conv=notrunc,sparse',
    'status=none',
  ]);
}

function mkImage(modules: string, format: string, output: string, early: string, list: string[]): Promise<unknown> {
  return run('grub-mkimage', [
    '--directory',
    modules,
    '--format',
    format,
    '--output',
    output,
    '--prefix',
    '/boot/grub',
    '--config',
    early,
    ...list,
  ]);
}
