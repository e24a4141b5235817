/**
 * The reference for bench/boot.bench.ts: what Kiln's VM driver and SSH communicator do to reach a
 * guest, done with plain tools and nothing of Kiln's. An ed25519 key (`ssh-keygen`); a NoCloud seed
 * drive giving it to root (`mkfs.vfat -n CIDATA`, `mcopy`); one `qemu-system-x86_64` command line
 * with the devices Kiln's driver gives a VM (TCG, the same memory and vCPUs, no default devices,
 * serial console on stdio, no reboot, the disk as a virtio disk with `snapshot=on`, the seed as a
 * read-only virtio disk, user-mode network with `restrict=on` and the guest's port 22 forwarded to a
 * free port on 127.0.0.1); then `ssh … root@127.0.0.1 true` until it succeeds, the next try 2 s after
 * a failed one, as Kiln's communicator polls. What Kiln adds and this leaves out (a session of its
 * own, a root watchdog shell under `setpriv --pdeathsig`, `-sandbox`, `-runas`, a QMP socket) is
 * what the comparison measures.
 *
 * Times are seconds from QEMU's spawn; the key and seed are made before it and timed on their own.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** As Kiln's communicator: the next try this long after a failed one. */
const RETRY_MS = 2000;

export interface PlainBootOptions {
  memoryMiB: number;
  cpus: number;
  /** Given up after this long from the spawn. */
  timeoutMs: number;
}

export interface PlainBoot {
  /** Making the key and the seed drive. */
  setupSeconds: number;
  /** Each whole line of the serial console, as it came, with when it came. */
  serial: Array<[number, string]>;
  /** When `ssh … true` first succeeded. */
  sshSeconds: number;
  /** The CPU time QEMU had used by then. */
  qemuCpuSeconds: number;
}

/** Boots `disk` (raw) with a plain QEMU command line and polls SSH until root gets in; stops QEMU after. */
export async function plainBoot(disk: string, work: string, options: PlainBootOptions): Promise<PlainBoot> {
  const dir = await mkdtemp(join(work, 'plain-'));
  try {
    const setupStart = performance.now();
    const key = join(dir, 'key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bench', '-f', key]);
    const publicKey = (await readFile(`${key}.pub`, 'utf8')).trim();
    const seed = join(dir, 'seed.img');
    await writeFile(join(dir, 'meta-data'), `instance-id: plain-${process.pid}-${Date.now()}\nlocal-hostname: bench\n`);
    await writeFile(
      join(dir, 'user-data'),
      `#cloud-config\ndisable_root: false\nssh_authorized_keys:\n  - ${publicKey}\n`,
    );
    execFileSync('mkfs.vfat', ['-C', '-n', 'CIDATA', seed, '1024'], { stdio: 'ignore' });
    execFileSync('mcopy', ['-i', seed, join(dir, 'meta-data'), join(dir, 'user-data'), '::/']);
    const port = await freePort();
    const setupSeconds = (performance.now() - setupStart) / 1000;

    const start = performance.now();
    const since = () => (performance.now() - start) / 1000;
    const qemu = spawn(
      'qemu-system-x86_64',
      [
        ...['-accel', 'tcg', '-m', String(options.memoryMiB), '-smp', String(options.cpus)],
        ...['-nodefaults', '-nographic', '-no-reboot', '-serial', 'stdio'],
        ...['-netdev', `user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:${port}-:22`],
        ...['-device', 'virtio-net-pci,netdev=net0'],
        ...['-drive', `file=${disk},format=raw,if=virtio,snapshot=on`],
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
      for (;;) {
        if (ended) throw new Error(`QEMU ended before SSH answered: ${stderr.trim()}`);
        const said = await sshTrue(key, port);
        if (said === undefined)
          return { setupSeconds, serial, sshSeconds: since(), qemuCpuSeconds: await cpuSeconds(qemu.pid!) };
        if (since() * 1000 + RETRY_MS > options.timeoutMs)
          throw new Error(`SSH did not answer within ${options.timeoutMs / 1000} s (last try: ${said})`);
        await sleep(RETRY_MS);
      }
    } finally {
      qemu.kill('SIGKILL');
      await exited;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * One plain `ssh -i key … root@127.0.0.1 true`, with the connection timeout Kiln's communicator sets;
 * resolves with what ssh said when it failed, undefined when root got in.
 */
function sshTrue(key: string, port: number): Promise<string | undefined> {
  const ssh = spawn(
    'ssh',
    [
      ...['-i', key, '-p', String(port), '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no'],
      ...['-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=10'],
      ...['root@127.0.0.1', 'true'],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let said = '';
  ssh.stderr.setEncoding('utf8');
  ssh.stderr.on('data', (chunk: string) => (said += chunk));
  return new Promise((resolve, reject) => {
    ssh.once('error', reject);
    ssh.once('close', (code) => resolve(code === 0 ? undefined : said.trim() || `exit code ${code}`));
  });
}

/**
 * The CPU time (user and system, all threads) a running process has used, from /proc/<pid>/stat,
 * whose counts are in USER_HZ, 1/100 s on Linux. Unlike wall time, it hardly moves when other
 * processes share the CPUs.
 */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name is in parentheses and may hold spaces; utime and stime are the 12th and 13th fields after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
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
