/**
 * A small disk that really boots, made by the tests themselves from Debian packages, for tests that
 * build on a disk and boot the result: an MBR (dos) disk whose one bootable Linux partition, at
 * 1 MiB, holds ext4 with Debian bookworm's kernel, extlinux and a static busybox root. Its
 * initramfs loads the kernel's virtio and ext4 modules and switches to /dev/vda1; the root's init
 * prints `KILN-BOOT: <contents of /etc/kiln-boot-marker>` and /etc/issue on ttyS0, then stays up
 * with a `login:` prompt there. The root also holds what a build must keep: see ROOT_FEATURES.
 *
 * The disk is made once per recipe and kernel and cached in ~/.cache/kiln-test (the kernel's .deb in
 * ~/.cache/kiln-test/debs); it is built in a temporary file and renamed into place, so concurrent
 * test processes never see a half-made disk. Callers must never modify the cached file: copy it
 * first (`cp --reflink=auto` or `copyFile`) and build on or boot the copy.
 *
 * Making it needs root (a loop mount, for extlinux and setcap), apt-get reaching Debian's mirror the
 * first time, and the tools scripts/setup.sh installs (extlinux, syslinux-common, busybox-static).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  chmod,
  copyFile,
  link,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  rename,
  rm,
  symlink,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { run } from '../../src/imaging/disk/run.ts';
import { onceUnlessFailed } from './once.ts';

/** Bump when the way the disk is made changes, so every cache holds a new one. */
const RECIPE = 1;
const MIB = 1024 * 1024;
const DISK_MIB = 64;
/** Where the file system lies in the disk, in bytes: from 1 MiB to the end. */
const PARTITION = { start: MIB, size: (DISK_MIB - 1) * MIB };
const CACHE = join(homedir(), '.cache', 'kiln-test');
const DEBS = join(CACHE, 'debs');
/** The package whose dependency names bookworm's current kernel package. */
const KERNEL_META_PACKAGE = 'linux-image-amd64';
/** busybox-static's: the initramfs and the root have no libc. */
const BUSYBOX = '/bin/busybox';
/** syslinux-common's boot code for the first 440 bytes: it chain-loads the active partition. */
const MBR_CODE = '/usr/lib/syslinux/mbr/mbr.bin';
/**
 * What the initramfs loads to reach the root: Debian builds virtio and ext4 as modules, and ext4's
 * checksums ask the crypto API for crc32c, which no module dependency names.
 */
const ROOT_MODULES = ['virtio_pci', 'virtio_blk', 'crc32c_generic', 'ext4'];
const KERNEL_COMMAND_LINE = 'root=/dev/vda1 rw console=ttyS0 panic=-1';

/** Files of the root that carry what a build must keep; a test checks they survive it. */
export const ROOT_FEATURES = {
  /** A copy of busybox with a file capability (security.capability). */
  capability: { path: '/bin/ping-cap', capability: 'cap_net_raw+ep' },
  /** A user extended attribute. */
  xattr: { path: '/etc/issue', name: 'user.kiln', value: 'fixture' },
  /** Two names of one inode. */
  hardLink: { path: '/etc/issue.net', target: '/etc/issue' },
} as const;

export interface BootableDisk {
  /** The cached raw disk: copy it, never change it. */
  path: string;
  /** The ext4 partition's place in the disk, in bytes. */
  partition: { start: number; size: number };
}

interface KernelPackage {
  name: string;
  version: string;
}

/** The bootable disk, made (once per process, and once per recipe and kernel on this machine) or reused. */
export const bootableDisk = onceUnlessFailed(cachedOrMade);

async function cachedOrMade(): Promise<BootableDisk> {
  const cached = diskPath(await withPackageLists(currentKernel));
  if (existsSync(cached)) return { path: cached, partition: { ...PARTITION } };
  // Resolved again with the download: stale package lists may name a kernel the mirror has since dropped.
  const { kernel, deb } = await withPackageLists(async () => {
    const current = await currentKernel();
    return { kernel: current, deb: await kernelDeb(current) };
  });
  const path = diskPath(kernel);
  if (!existsSync(path)) await makeDisk(path, deb);
  return { path, partition: { ...PARTITION } };
}

const diskPath = (kernel: KernelPackage) => join(CACHE, `bootable-${RECIPE}-${kernel.name}_${kernel.version}.raw`);

let listsUpdated = false;

/** Runs an apt step; when it fails (no package lists on a fresh machine, or stale ones), updates them once and retries. */
async function withPackageLists<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (listsUpdated) throw error;
    listsUpdated = true;
    await run('apt-get', ['update', '-qq']);
    return step();
  }
}

/** The kernel package linux-image-amd64 depends on in the package lists, e.g. linux-image-6.1.0-57-amd64 6.1.192-3. */
async function currentKernel(): Promise<KernelPackage> {
  const { stdout } = await run('apt-cache', ['show', '--no-all-versions', KERNEL_META_PACKAGE]);
  const dependency = /^Depends:.*?\b(linux-image-[^\s,]+) \(= ([^)]+)\)/m.exec(stdout);
  if (!dependency)
    throw new Error(`apt-cache names no kernel package that ${KERNEL_META_PACKAGE} depends on:\n${stdout}`);
  return { name: dependency[1], version: dependency[2] };
}

/** The kernel's .deb in the cache, downloaded (into a folder of its own, then renamed) when missing. */
async function kernelDeb(kernel: KernelPackage): Promise<string> {
  const deb = join(DEBS, `${kernel.name}_${kernel.version.replace(':', '%3a')}_amd64.deb`);
  if (existsSync(deb)) return deb;
  await mkdir(DEBS, { recursive: true });
  const download = await mkdtemp(join(DEBS, '.download-'));
  try {
    // apt's _apt user cannot write a folder under root's home; root downloads it itself.
    const options = ['-o', 'APT::Sandbox::User=root'];
    await run('apt-get', ['download', '-qq', ...options, `${kernel.name}=${kernel.version}`], { cwd: download });
    const [file] = await readdir(download);
    await rename(join(download, file), deb);
    return deb;
  } finally {
    await rm(download, { recursive: true, force: true });
  }
}

async function makeDisk(path: string, deb: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'kiln-bootable-'));
  const partial = `${path}.partial-${randomBytes(6).toString('hex')}`;
  try {
    const kernel = await unpackKernel(deb, join(work, 'kernel'));
    const initramfs = join(work, 'initrd.img');
    await makeInitramfs(kernel.modules, join(work, 'initramfs'), initramfs);
    await partitionedDisk(partial);
    await withMountedPartition(partial, join(work, 'mnt'), async (root) => {
      await fillRoot(root, kernel.vmlinuz, initramfs);
      await giveRootFeatures(root);
      await run('extlinux', ['--install', join(root, 'boot/extlinux')]);
    });
    await run('e2fsck', ['-fn', `${partial}?offset=${PARTITION.start}`]);
    await rename(partial, path);
  } finally {
    await rm(partial, { force: true });
    await rm(work, { recursive: true, force: true });
  }
}

/** Unpacks the kernel package; returns its vmlinuz and, in load order, the module files ROOT_MODULES need. */
async function unpackKernel(deb: string, dir: string): Promise<{ vmlinuz: string; modules: string[] }> {
  await run('dpkg-deb', ['-x', deb, dir]);
  const vmlinuz = (await readdir(join(dir, 'boot'))).find((name) => name.startsWith('vmlinuz-'));
  if (!vmlinuz) throw new Error(`${deb} holds no /boot/vmlinuz-*`);
  const release = vmlinuz.slice('vmlinuz-'.length);
  const modules = join(dir, 'lib/modules', release);
  // Debian's package leaves modules.dep to depmod at install time; busybox's depmod writes it here.
  await run(BUSYBOX, ['depmod', '-b', dir, release]);
  const order = loadOrder(await readFile(join(modules, 'modules.dep'), 'utf8'), ROOT_MODULES);
  return { vmlinuz: join(dir, 'boot', vmlinuz), modules: order.map((file) => join(modules, file)) };
}

const moduleName = (file: string) =>
  basename(file)
    .replace(/\.ko(\.\w+)?$/, '')
    .replaceAll('-', '_');

/** The files of `wanted` and everything they depend on (modules.dep's lines), each after its dependencies. */
function loadOrder(modulesDep: string, wanted: string[]): string[] {
  const dependencies = new Map<string, string[]>();
  const fileOf = new Map<string, string>();
  for (const line of modulesDep.split('\n')) {
    const [file, deps] = line.split(':');
    if (deps === undefined) continue;
    dependencies.set(file, deps.trim().split(/\s+/).filter(Boolean));
    fileOf.set(moduleName(file), file);
  }
  const order: string[] = [];
  const visit = (file: string) => {
    if (order.includes(file)) return;
    for (const dependency of dependencies.get(file) ?? []) visit(dependency);
    order.push(file);
  };
  for (const name of wanted) {
    const file = fileOf.get(name);
    if (!file) throw new Error(`the kernel has no module ${name} (is it built in now? then drop it from ROOT_MODULES)`);
    visit(file);
  }
  return order;
}

/** The initramfs's /init: load the modules, wait for the root device named by root=, switch to it. */
const initramfsInit = (modules: string[]) => `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
${modules.map((file) => `insmod /lib/modules/${basename(file)}`).join('\n')}
root=/dev/vda1
for arg in $(cat /proc/cmdline); do
  case "$arg" in root=*) root="\${arg#root=}" ;; esac
done
waited=0
until [ -b "$root" ]; do
  # Leaving PID 1 panics the kernel, and panic=-1 ends the VM: a failed boot says so at once.
  if [ $waited -ge 300 ]; then echo "initramfs: no root device $root after 30 s"; exit 1; fi
  sleep 0.1
  waited=$((waited + 1))
done
mkdir -p /newroot
mount -t ext4 "$root" /newroot || exit 1
umount /proc /sys /dev
exec switch_root /newroot /sbin/init
`;

/** An uncompressed cpio (newc) initramfs of busybox, the modules and /init. */
async function makeInitramfs(modules: string[], dir: string, output: string): Promise<void> {
  for (const sub of ['bin', 'dev', 'proc', 'sys', 'lib/modules']) await mkdir(join(dir, sub), { recursive: true });
  await copyFile(BUSYBOX, join(dir, 'bin/busybox'));
  await chmod(join(dir, 'bin/busybox'), 0o755);
  for (const file of modules) await copyFile(file, join(dir, 'lib/modules', basename(file)));
  await writeFile(join(dir, 'init'), initramfsInit(modules), { mode: 0o755 });
  await run('sh', ['-c', 'cd "$1" && find . | /bin/busybox cpio -o -H newc > "$2"', 'sh', dir, output]);
}

/** A sparse raw disk: one bootable type-83 partition from 1 MiB to the end, ext4 in it, syslinux's MBR code. */
async function partitionedDisk(path: string): Promise<void> {
  await writeFile(path, '');
  await truncate(path, DISK_MIB * MIB);
  const table = `label: dos\nstart=${PARTITION.start / 512}, size=${PARTITION.size / 512}, type=83, bootable\n`;
  await run('sfdisk', ['--quiet', path], { input: table });
  // mke2fs's defaults (64bit, metadata_csum) are ones extlinux 6.04 boots from.
  await run('mkfs.ext4', [
    '-q',
    '-F',
    '-L',
    'kiln-boot',
    '-E',
    `offset=${PARTITION.start}`,
    path,
    `${PARTITION.size / 1024}k`,
  ]);
  const code = await readFile(MBR_CODE);
  const disk = await open(path, 'r+');
  try {
    await disk.write(code, 0, Math.min(code.length, 440), 0);
  } finally {
    await disk.close();
  }
}

/** Mounts the disk's partition read-write through a loop device that unmounting frees. */
async function withMountedPartition(disk: string, dir: string, use: (root: string) => Promise<void>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const loop = `loop,offset=${PARTITION.start},sizelimit=${PARTITION.size}`;
  await run('mount', ['-t', 'ext4', '-o', loop, disk, dir]);
  try {
    await use(dir);
  } finally {
    await run('umount', [dir]);
  }
}

/** The root's /sbin/init: the console lines tests wait for, then a login prompt on ttyS0 for ever. */
const ROOT_INIT = `#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
hostname -F /etc/hostname
echo "KILN-BOOT: $(cat /etc/kiln-boot-marker 2>/dev/null)"
[ -f /etc/issue ] && cat /etc/issue
while true; do getty -i -l /bin/kiln-login 115200 ttyS0; done
`;

// No SERIAL line: with no VGA, SeaBIOS already copies the boot loader's screen to the serial port.
const EXTLINUX_CONF = `DEFAULT kiln
PROMPT 0
LABEL kiln
  LINUX /boot/vmlinuz
  INITRD /boot/initrd.img
  APPEND ${KERNEL_COMMAND_LINE}
`;

/** [path, mode, content] of the root's own files. */
const ROOT_FILES: [string, number, string][] = [
  ['sbin/init', 0o755, ROOT_INIT],
  // getty runs its login program as `<program> -- <name>`: this one ignores the name and gives a shell.
  ['bin/kiln-login', 0o755, '#!/bin/sh\nexec /bin/sh -l\n'],
  ['etc/passwd', 0o644, 'root:x:0:0:root:/root:/bin/sh\n'],
  ['etc/group', 0o644, 'root:x:0:\n'],
  ['etc/hostname', 0o644, 'kiln-boot\n'],
  ['etc/issue', 0o644, 'Kiln bootable test disk\n'],
  ['boot/extlinux/extlinux.conf', 0o644, EXTLINUX_CONF],
];

async function fillRoot(root: string, vmlinuz: string, initramfs: string): Promise<void> {
  for (const dir of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'dev', 'proc', 'sys', 'boot/extlinux'])
    await mkdir(join(root, dir), { recursive: true });
  await mkdir(join(root, 'tmp'), { mode: 0o1777 });
  await chmod(join(root, 'tmp'), 0o1777);
  await mkdir(join(root, 'root'), { mode: 0o700 });
  await copyFile(BUSYBOX, join(root, 'bin/busybox'));
  await chmod(join(root, 'bin/busybox'), 0o755);
  // `--list-full` gives each applet's place (bin/ls, sbin/getty); /sbin/init is our script instead.
  const applets = (await run(BUSYBOX, ['--list-full'])).stdout
    .split('\n')
    .filter((applet) => applet.includes('/') && applet !== 'bin/busybox' && applet !== 'sbin/init');
  for (const applet of applets) {
    const place = join(root, applet);
    await symlink(relative(dirname(place), join(root, 'bin/busybox')), place);
  }
  for (const [file, mode, content] of ROOT_FILES) {
    await writeFile(join(root, file), content);
    await chmod(join(root, file), mode);
  }
  await copyFile(vmlinuz, join(root, 'boot/vmlinuz'));
  await copyFile(initramfs, join(root, 'boot/initrd.img'));
}

async function giveRootFeatures(root: string): Promise<void> {
  const { capability, xattr, hardLink } = ROOT_FEATURES;
  await copyFile(BUSYBOX, join(root, capability.path));
  await chmod(join(root, capability.path), 0o755);
  await run('setcap', [capability.capability, join(root, capability.path)]);
  // Node cannot set extended attributes; python3 (which scripts/setup.sh installs) can.
  const setxattr = 'import os, sys; os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode())';
  await run('python3', ['-c', setxattr, join(root, xattr.path), xattr.name, xattr.value]);
  await link(join(root, hardLink.target), join(root, hardLink.path));
}
