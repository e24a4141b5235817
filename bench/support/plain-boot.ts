/**
 * The reference for the boot benchmarks (boot.bench.ts, vm.bench.ts): what Kiln does to reach a
 * guest, done with plain tools and nothing of Kiln's. A NoCloud seed drive giving a key to a user
 * (`mkfs.vfat -n CIDATA`, `mcopy`); one `qemu-system-x86_64` command line with the devices Kiln's
 * driver gives a VM (TCG, the same memory and vCPUs, PC BIOS, no default devices, serial console on
 * stdio, no reboot, the disk as a virtio disk, the seed as a read-only virtio disk, user-mode network
 * with `restrict=on` and the guest's port 22 forwarded to a free port on 127.0.0.1); then
 * `ssh … true` until it succeeds, as Kiln's communicator polls (support/ssh-poll.ts). What Kiln adds
 * and this leaves out (a session of its own, a root watchdog shell under `setpriv --pdeathsig`,
 * `-sandbox`, `-runas`, a QMP socket) is what the comparison measures.
 *
 * Who logs in: by default root, with an ed25519 key made for the boot (`ssh-keygen`), as a build's
 * communicator does; or a user given with its key, whom cloud-init makes with passwordless sudo, as
 * Kiln provisions a VM's admin. The disk is opened with `snapshot=on` (writes thrown away, as a
 * build's VM) unless it is `persistent`: a copy of the boot's own that the guest writes, as a VM's.
 *
 * Times are seconds from QEMU's spawn; the key and seed are made before it and timed on their own.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cpuSeconds } from './qemu-process.ts';
import { pollSsh } from './ssh-poll.ts';

export interface PlainBootOptions {
  memoryMiB: number;
  cpus: number;
  /** Given up after this long from the spawn. */
  timeoutMs: number;
  /** Who logs in, with which key (the private key's file and its public line); root with a new key when left out. */
  login?: { user: string; hostname: string; key: string; publicKey: string };
  /** The disk is the boot's own: the guest writes to it (no `snapshot=on`). */
  persistent?: boolean;
}

export interface PlainBoot {
  /** Making the key (unless given) and the seed drive, finding a free port. */
  setupSeconds: number;
  /** Each whole line of the serial console, as it came, with when it came. */
  serial: Array<[number, string]>;
  /** When `ssh … true` first succeeded. */
  sshSeconds: number;
  /** The CPU time QEMU had used by then. */
  qemuCpuSeconds: number;
}

/** Boots `disk` (raw) with a plain QEMU command line and polls SSH until the user gets in; stops QEMU after. */
export async function plainBoot(disk: string, work: string, options: PlainBootOptions): Promise<PlainBoot> {
  const dir = await mkdtemp(join(work, 'plain-'));
  try {
    const setupStart = performance.now();
    const login = options.login ?? (await rootLogin(dir));
    const seed = join(dir, 'seed.img');
    await writeFile(
      join(dir, 'meta-data'),
      `instance-id: plain-${process.pid}-${Date.now()}\nlocal-hostname: ${login.hostname}\n`,
    );
    await writeFile(join(dir, 'user-data'), userData(login));
    execFileSync('mkfs.vfat', ['-C', '-n', 'CIDATA', seed, '1024'], { stdio: 'ignore' });
    execFileSync('mcopy', ['-i', seed, join(dir, 'meta-data'), join(dir, 'user-data'), '::/']);
    const port = await freePort();
    const setupSeconds = (performance.now() - setupStart) / 1000;

    const start = performance.now();
    const since = () => (performance.now() - start) / 1000;
    const overlay = options.persistent === true ? '' : ',snapshot=on';
    const qemu = spawn(
      'qemu-system-x86_64',
      [
        ...['-accel', 'tcg', '-m', String(options.memoryMiB), '-smp', String(options.cpus)],
        ...['-nodefaults', '-nographic', '-no-reboot', '-serial', 'stdio'],
        ...['-netdev', `user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:${port}-:22`],
        ...['-device', 'virtio-net-pci,netdev=net0'],
        ...['-drive', `file=${disk},format=raw,if=virtio${overlay}`],
        ...['-drive', `file=${seed},format=raw,if=virtio,readonly=on`],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const serial: Array<[number, string]> = [];
    let partial = '';
    qemu.stdout.setEncoding('utf8');
    qemu.stdout.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) serial.push([since(), line]);
    });
    let stderr = '';
    qemu.stderr.setEncoding('utf8');
    qemu.stderr.on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<void>((resolve) => qemu.once('close', () => resolve()));
    let ended = false;
    void exited.then(() => (ended = true));
    try {
      const target = { user: login.user, host: '127.0.0.1', port, key: login.key };
      const answered = await pollSsh(target, {
        since: start,
        timeoutMs: options.timeoutMs,
        gone: () => (ended ? `QEMU ended before SSH answered: ${stderr.trim()}` : undefined),
      });
      return {
        setupSeconds,
        serial,
        sshSeconds: (answered - start) / 1000,
        qemuCpuSeconds: await cpuSeconds(qemu.pid!),
      };
    } finally {
      qemu.kill('SIGKILL');
      await exited;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Root, with a new ed25519 key in `dir`. */
async function rootLogin(dir: string): Promise<Required<PlainBootOptions>['login']> {
  const key = join(dir, 'key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bench', '-f', key]);
  return { user: 'root', hostname: 'bench', key, publicKey: (await readFile(`${key}.pub`, 'utf8')).trim() };
}

/** cloud-init's user data: the key for root, or a user of its own with passwordless sudo (as Kiln makes a VM's admin). */
function userData({ user, hostname, publicKey }: Required<PlainBootOptions>['login']): string {
  if (user === 'root') return `#cloud-config\ndisable_root: false\nssh_authorized_keys:\n  - ${publicKey}\n`;
  const admin = { name: user, groups: ['sudo'], sudo: 'ALL=(ALL) NOPASSWD:ALL', shell: '/bin/bash', lock_passwd: true };
  // JSON is YAML's subset: nothing needs quoting.
  return `#cloud-config\n${JSON.stringify({ hostname, users: [{ ...admin, ssh_authorized_keys: [publicKey] }] })}\n`;
}

/** A port on 127.0.0.1 that nobody listens on now. */
function freePort(): Promise<number> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
