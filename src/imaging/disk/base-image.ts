/**
 * A tiny but real Linux root disk for tests and demos: busybox on an FHS skeleton, in an ext4 file
 * system in the one Linux partition of an MBR disk. It carries the machine-specific leftovers a
 * generalizer must clean (machine id, SSH host keys, logs, shell history, cloud-init state).
 */
import { chmod, copyFile, mkdir, mkdtemp, open, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { writeRootFs } from './ext4.ts';
import { readPartitionTable } from './partitions.ts';
import { run, runConfined } from './run.ts';

/** busybox-static's; a dynamically linked busybox would find no libc inside the image. */
const HOST_BUSYBOX = '/bin/busybox';
const MIB = 1024 * 1024;
const PT_INTERP = 3;
export const BASE_IMAGE_LABEL = 'kiln-root';
/** Fixed so images made from the base are recognisably not generalized until a generalizer runs. */
export const BASE_MACHINE_ID = '6b696c6e626173652d696d6167652d31';
const CLOUD_INSTANCE = 'iid-kiln-base';

/** [path, mode, content] of the skeleton's files; directories are made as needed, 0755. */
const FILES: [string, number, string][] = [
  ['etc/passwd', 0o644, 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n'],
  ['etc/group', 0o644, 'root:x:0:\nnogroup:x:65534:\n'],
  ['etc/shadow', 0o600, 'root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n'],
  ['etc/hostname', 0o644, 'kiln-base\n'],
  ['etc/machine-id', 0o444, `${BASE_MACHINE_ID}\n`],
  ['etc/os-release', 0o644, 'NAME="Kiln busybox base"\nID=kiln-busybox\nVERSION_ID=1\n'],
  ['etc/fstab', 0o644, `LABEL=${BASE_IMAGE_LABEL} / ext4 defaults 0 1\n`],
  [
    'etc/ssh/ssh_host_ed25519_key',
    0o600,
    '-----BEGIN OPENSSH PRIVATE KEY-----\nplaceholder\n-----END OPENSSH PRIVATE KEY-----\n',
  ],
  ['etc/ssh/ssh_host_ed25519_key.pub', 0o644, 'ssh-ed25519 AAAAplaceholder root@kiln-base\n'],
  ['var/log/messages', 0o640, 'Jan  1 00:00:00 kiln-base syslogd started: BusyBox\n'],
  ['root/.bash_history', 0o600, 'ls /\n'],
  [
    `var/lib/cloud/instances/${CLOUD_INSTANCE}/boot-finished`,
    0o644,
    '0.00 - Thu, 01 Jan 1970 00:00:00 +0000 - v. 23.1\n',
  ],
];
const DIRS: [string, number][] = [
  ['.', 0o755],
  ['bin', 0o755],
  ['sbin', 0o755],
  ['usr/bin', 0o755],
  ['usr/sbin', 0o755],
  ['dev', 0o755],
  ['proc', 0o555],
  ['sys', 0o555],
  ['tmp', 0o1777],
  ['root', 0o700],
];

/** True when an ELF executable names no dynamic loader (has no PT_INTERP program header). */
async function isStaticElf(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const header = Buffer.alloc(64);
    await file.read(header, 0, 64, 0);
    const phoff = Number(header.readBigUInt64LE(0x20));
    const phentsize = header.readUInt16LE(0x36);
    const phnum = header.readUInt16LE(0x38);
    const table = Buffer.alloc(phentsize * phnum);
    await file.read(table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) if (table.readUInt32LE(i * phentsize) === PT_INTERP) return false;
    return true;
  } finally {
    await file.close();
  }
}

async function buildRoot(root: string): Promise<void> {
  for (const [dir, mode] of DIRS) {
    await mkdir(join(root, dir), { recursive: true });
    await chmod(join(root, dir), mode); // mkdir's mode goes through the umask
  }
  for (const [file, mode, content] of FILES) {
    await mkdir(dirname(join(root, file)), { recursive: true });
    await writeFile(join(root, file), content);
    await chmod(join(root, file), mode);
  }
  await symlink(`instances/${CLOUD_INSTANCE}`, join(root, 'var/lib/cloud/instance'));
  if (!(await isStaticElf(HOST_BUSYBOX))) {
    throw new Error(`${HOST_BUSYBOX} is dynamically linked; install busybox-static (scripts/setup.sh does).`);
  }
  await copyFile(HOST_BUSYBOX, join(root, 'bin/busybox'));
  await chmod(join(root, 'bin/busybox'), 0o755);
  // `--list-full` gives each applet's FHS place ("bin/ls", "usr/bin/awk", "sbin/init"); the one
  // without a directory is /linuxrc, which only initrds use.
  const applets = (await run(HOST_BUSYBOX, ['--list-full'])).stdout
    .split('\n')
    .filter((a) => a.includes('/') && a !== 'bin/busybox');
  for (const applet of applets) {
    const link = join(root, applet);
    await mkdir(dirname(link), { recursive: true });
    await symlink(relative(dirname(link), join(root, 'bin/busybox')), link);
  }
}

/** Writes the base disk to `output`: one dos partition from 1 MiB to the end, ext4 labelled kiln-root. */
export async function makeBusyboxBaseImage(output: string, options: { sizeMiB?: number } = {}): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'kiln-base-'));
  try {
    const root = join(work, 'root');
    await buildRoot(root);
    await diskFromRootFs(root, output, options.sizeMiB ?? 64);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A raw disk of `sizeMiB` with one dos partition from 1 MiB holding `root` as an ext4 file system. */
export async function diskFromRootFs(
  root: string,
  output: string,
  sizeMiB: number,
  label = BASE_IMAGE_LABEL,
): Promise<void> {
  await writeFile(output, '');
  await truncate(output, sizeMiB * MIB);
  await runConfined(
    'sfdisk',
    ['--quiet', resolve(output)],
    { write: [output] },
    { input: 'label: dos\nstart=2048, type=83\n' },
  );
  const [partition] = (await readPartitionTable(output))!.partitions;
  await writeRootFs(root, output, { ...partition, table: 'dos' }, { label });
}
