/**
 * The small bootable test disk (bootable-disk.ts) made to power off when asked, as a real guest does:
 * its root also loads the kernel's ACPI power button and evdev drivers and watches the button; a press
 * (what Kiln's powerOff, deallocate and restart send through QMP) prints `power button: powering off`
 * on the console, remounts the root read-only and powers the machine off. A VM on it so stops in about
 * a second, where the plain disk, which ignores the button, waits out Kiln's 60 s before a hard stop.
 *
 * Made once per bootable disk and cached beside it (the kernel modules come from the kernel's .deb
 * that bootable-disk.ts keeps in its cache), built in a temporary file and renamed into place, so
 * concurrent test processes never see a half-made disk. Callers must copy it, never change it.
 * Making it needs root (a loop mount).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { run } from '../../src/imaging/disk/run.ts';
import { bootableDisk, type BootableDisk } from './bootable-disk.ts';
import { onceUnlessFailed } from './once.ts';

/** Bump when the way the disk is made changes. */
const RECIPE = 1;
/** Where the drivers live in the kernel package; neither depends on another module. */
const MODULES = ['kernel/drivers/input/evdev.ko', 'kernel/drivers/acpi/button.ko'];

/**
 * Runs before the bootable disk's own init (kept as /sbin/init.bootable), which stays PID 1 and mounts
 * /dev: the shell opens /dev/null for a job it starts in the background, so the root keeps a static one.
 */
const INIT = `#!/bin/sh
insmod /lib/modules/evdev.ko
insmod /lib/modules/button.ko
/sbin/power-button &
exec /sbin/init.bootable
`;

/** Waits for the init to mount /sys and /dev, then for a press of any power button. */
const WATCHER = `#!/bin/sh
off() {
  echo "power button: powering off"
  sync
  mount -o remount,ro /
  poweroff -f
}
until [ -d /sys/class/input ]; do sleep 0.2; done
while :; do
  buttons=""
  for event in /sys/class/input/event*; do
    [ "$(cat "$event/device/name" 2>/dev/null)" = "Power Button" ] && [ -c "/dev/input/\${event##*/}" ] &&
      buttons="$buttons /dev/input/\${event##*/}"
  done
  [ -n "$buttons" ] && break
  sleep 0.2
done
# evdev hands out whole events only: one read of a block takes the press.
for button in $buttons; do (dd if="$button" of=/dev/null bs=4096 count=1 2> /dev/null && off) & done
`;

export const powerButtonDisk = onceUnlessFailed(async (): Promise<BootableDisk> => {
  const base = await bootableDisk();
  const path = join(dirname(base.path), `power-button-${RECIPE}-${basename(base.path)}`);
  if (!existsSync(path)) await makeDisk(base, path);
  return { path, partition: { ...base.partition } };
});

async function makeDisk(base: BootableDisk, path: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'kiln-power-button-'));
  const partial = `${path}.partial-${randomBytes(6).toString('hex')}`;
  const root = join(work, 'root');
  try {
    await copyFile(base.path, partial);
    await mkdir(root);
    const { start, size } = base.partition;
    await run('mount', ['-t', 'ext4', '-o', `loop,offset=${start},sizelimit=${size}`, partial, root]);
    try {
      const release = await kernelRelease(join(root, 'boot/vmlinuz'));
      const unpacked = join(work, 'kernel');
      await run('dpkg-deb', ['-x', await kernelDeb(dirname(base.path), release), unpacked]);
      await mkdir(join(root, 'lib/modules'), { recursive: true });
      for (const module of MODULES)
        await copyFile(join(unpacked, 'lib/modules', release, module), join(root, 'lib/modules', basename(module)));
      await rename(join(root, 'sbin/init'), join(root, 'sbin/init.bootable'));
      await writeFile(join(root, 'sbin/init'), INIT, { mode: 0o755 });
      await writeFile(join(root, 'sbin/power-button'), WATCHER, { mode: 0o755 });
      await run('mknod', ['-m', '666', join(root, 'dev/null'), 'c', '1', '3']);
    } finally {
      await run('umount', [root]);
    }
    await run('e2fsck', ['-fn', `${partial}?offset=${base.partition.start}`]);
    await rename(partial, path);
  } finally {
    await rm(partial, { force: true });
    await rm(work, { recursive: true, force: true });
  }
}

/** The release a bzImage was built as (`6.1.0-57-amd64`): Linux's boot protocol points at it from 0x20E. */
async function kernelRelease(vmlinuz: string): Promise<string> {
  const file = await open(vmlinuz, 'r');
  try {
    const header = Buffer.alloc(0x210);
    await file.read(header, 0, header.length, 0);
    const text = Buffer.alloc(128);
    await file.read(text, 0, text.length, header.readUInt16LE(0x20e) + 0x200);
    return text.toString('latin1').split(' ')[0];
  } finally {
    await file.close();
  }
}

/** The kernel's .deb that bootable-disk.ts downloaded into its cache's debs/ folder. */
async function kernelDeb(cache: string, release: string): Promise<string> {
  const debs = join(cache, 'debs');
  const deb = (await readdir(debs)).find((name) => name.startsWith(`linux-image-${release}_`));
  if (!deb) throw new Error(`${debs} holds no linux-image-${release} package`);
  return join(debs, deb);
}
