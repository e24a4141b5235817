/**
 * What turns a debootstrapped Debian tree into a cloud image that boots as Azure's Debian images
 * do, on a copy of the tree (the cached one is never changed):
 *
 * - The root is found by its label (fstab) and UUID (bootable-disk.ts); the kernel's console is the
 *   first serial port, where systemd then starts a login prompt (its getty generator follows
 *   `console=`), and where Kiln reads a boot.
 * - Network: systemd-networkd asks DHCP for an address on every ethernet link (QEMU's user network
 *   and Azure's both answer), and systemd-resolved takes the DNS servers it learns. Waiting for the
 *   network at boot ends when any link is up, or after 15 s, quietly; and a VM with no network card
 *   at all (a boot check without network) does not wait: there is no link to wait for, and systemd's
 *   own wait would hold cloud-init and the login prompt back 2 minutes (15 s with the limit above).
 * - cloud-init provisions: its datasources are NoCloud (a seed disk or seed files, which Kiln's VMs
 *   get) and None, and its own network configuration is off (networkd's file stands). It makes the
 *   SSH host keys on the first boot of each instance, so the image holds none: Ed25519 and ECDSA,
 *   not RSA. An RSA 3072 key takes about 10 s of a first boot under TCG (a fifth of the boot to the
 *   login prompt here), and every SSH client of the last decade (OpenSSH 5.7 on, PuTTY 0.68 on, Go's
 *   and Node's) takes Ed25519 or ECDSA host keys. A user who wants an RSA host key asks cloud-init
 *   for it in the VM's custom data (`ssh_genkeytypes: [rsa, ecdsa, ed25519]`).
 * - Nothing names one machine: an empty machine-id (systemd makes one at the first boot; D-Bus's is a
 *   link to it), no SSH host keys, the hostname `debian`; nor are downloaded packages kept.
 */
import { mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { run } from '../imaging/disk/run.ts';

export const DEBIAN_ROOT_LABEL = 'debian-root';
/** tty0 for a machine with a screen; ttyS0 last, so it is /dev/console, where systemd writes. */
export const DEBIAN_KERNEL_ARGUMENTS = 'console=tty0 console=ttyS0,115200';

const FILES: [string, string][] = [
  ['etc/fstab', `LABEL=${DEBIAN_ROOT_LABEL} / ext4 defaults,errors=remount-ro 0 1\n`],
  ['etc/hostname', 'debian\n'],
  // debootstrap writes none; what Debian's installer writes.
  [
    'etc/hosts',
    '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\nff02::1\t\tip6-allnodes\nff02::2\t\tip6-allrouters\n',
  ],
  ['etc/machine-id', ''],
  ['etc/systemd/network/50-dhcp.network', '[Match]\nType=ether\n\n[Network]\nDHCP=yes\n'],
  [
    'etc/systemd/system/systemd-networkd-wait-online.service.d/any-link.conf',
    '[Service]\n' +
      // Physical links have a device; lo and virtual links do not. The condition failing skips the wait
      // (`$$` is how a unit file passes the shell a `$`).
      `ExecCondition=/bin/sh -c 'for link in /sys/class/net/*; do [ -e "$$link/device" ] && exit 0; done; exit 1'\n` +
      'ExecStart=\nExecStart=-/lib/systemd/systemd-networkd-wait-online --any --timeout=15\n',
  ],
  // ds-identify reads datasource_list from one line. C.UTF-8 needs no locale generated at boot (en_US
  // would, and locales-all is not there); cloud-init 22.4 would also make a DSA host key by default.
  // grub-dpkg tells debconf which disk grub-pc installs to, and the image has no grub-pc (its GRUB
  // is installed once, by bootable-disk.ts): it would spend 2 to 4 s of a TCG first boot on nothing.
  [
    'etc/cloud/cloud.cfg.d/90_kiln.cfg',
    'datasource_list: [ NoCloud, None ]\nnetwork: {config: disabled}\nlocale: C.UTF-8\nssh_genkeytypes: [ecdsa, ed25519]\ngrub_dpkg: {enabled: false}\n',
  ],
];

/** Makes the tree at `root` (a copy) the cloud image described above. */
export async function configureDebianCloudTree(root: string): Promise<void> {
  for (const [path, content] of FILES) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  await rm(join(root, 'var', 'lib', 'dbus', 'machine-id'), { force: true });
  await symlink('/etc/machine-id', join(root, 'var', 'lib', 'dbus', 'machine-id'));
  for (const name of await readdir(join(root, 'etc', 'ssh')))
    if (name.startsWith('ssh_host_')) await rm(join(root, 'etc', 'ssh', name));
  // systemctl enable works offline in a chroot: it only makes the [Install] section's links.
  await run('chroot', [root, 'systemctl', 'enable', '--quiet', 'systemd-networkd.service']);
  // What `apt-get clean` removes: the downloaded packages and the package caches apt rebuilds.
  await rm(join(root, 'var', 'cache', 'apt'), { recursive: true, force: true });
  await mkdir(join(root, 'var', 'cache', 'apt', 'archives', 'partial'), { recursive: true });
}
