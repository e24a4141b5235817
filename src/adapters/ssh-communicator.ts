/**
 * The SSH communicator: an ed25519 key pair made for one VM (`ssh-keygen`, in a private 0700
 * folder removed by `dispose`), its public half given to root through cloud-init
 * (`disable_root: false`, so the key is not wrapped in cloud-init's "log in as the default user"
 * command), and OpenSSH's client on the VM's forwarded port on 127.0.0.1.
 *
 * The client trusts no local configuration (`-F /dev/null`) and records no host key: the guest's
 * host key is made at its first boot, and the only route to it is the VM's own forwarded loopback
 * port, so there is nothing to verify it against and nobody in between. The client never asks
 * anything (`BatchMode`), and each command is one SSH session whose exit code is the command's.
 * What the guest sends is parsed by the client, so it runs confined when the caller says how
 * (`confine`, app/vm-confinement.ts): it then sees the key, the user table and the network, nothing else.
 * Uploads stream through its standard input, so it never needs the host's files.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createReadStream, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  GuestAccess,
  GuestAgent,
  GuestCommunicator,
  GuestRunOptions,
  GuestSession,
} from '../ports/guest-communicator.ts';
import type { Vm } from '../ports/vm-driver.ts';

const SSH_PORT = 22;
/** Between two tries while the guest boots: sshd comes up once, late in the boot. */
const RETRY_MS = 2000;

/** What the confined client may read; it keeps the host's network to reach the VM's loopback port. */
export interface SshGrant {
  read: string[];
  network: 'host';
}

/** The confined command line of one `ssh` run with `sshArgs`. */
export type ConfineSsh = (sshArgs: string[], grant: SshGrant) => Promise<{ file: string; args: string[] }>;

export interface SshCommunicatorOptions {
  confine?: ConfineSsh;
}

export function createSshCommunicator(options: SshCommunicatorOptions = {}): GuestCommunicator {
  return {
    name: 'ssh',
    async prepare() {
      const dir = await mkdtemp(join(tmpdir(), 'kiln-ssh-'));
      const key = join(dir, 'id_ed25519');
      await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'kiln-build', '-f', key]);
      const publicKey = (await readFile(`${key}.pub`, 'utf8')).trim();
      return {
        guestPort: SSH_PORT,
        cloudConfig: ['#cloud-config', 'disable_root: false', 'ssh_authorized_keys:', `  - ${publicKey}`, ''].join(
          '\n',
        ),
        connect: (vm, connecting) =>
          connect(
            sshSession(key, ROOT, () => vm.hostPort(SSH_PORT), options.confine),
            vm,
            connecting,
          ),
        dispose: () => rm(dir, { recursive: true, force: true }),
      } satisfies GuestAccess;
    },
    async agent(folder, kept) {
      const key = join(folder, 'agent_ed25519');
      if (!existsSync(key)) {
        await mkdir(folder, { recursive: true, mode: 0o700 });
        if (kept === undefined) await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', AGENT, '-f', key]);
        else {
          await writeFile(key, kept, { mode: 0o600 });
          const publicKey = await exec('ssh-keygen', ['-y', '-f', key]);
          // `-y` prints the key with the comment the private key holds (the agent's name).
          await writeFile(`${key}.pub`, `${publicKey.trim()}\n`, { mode: 0o644 });
        }
      }
      return {
        user: AGENT,
        authorizedKey: (await readFile(`${key}.pub`, 'utf8')).trim(),
        privateKey: await readFile(key, 'utf8'),
        guestPort: SSH_PORT,
        connect: (vm, connecting) =>
          connect(
            sshSession(key, AGENT, () => vm.hostPort(SSH_PORT), options.confine),
            vm,
            connecting,
          ),
      } satisfies GuestAgent;
    },
  };
}

const ROOT = 'root';
/** The agent's account in users' VMs: its commands run through sudo. */
const AGENT = 'kiln-agent';

async function connect(
  session: GuestSession,
  vm: Vm,
  options: { timeoutMs: number; signal: AbortSignal },
): Promise<GuestSession> {
  const deadline = Date.now() + options.timeoutMs;
  let ended = false;
  void vm.exited.then(() => (ended = true));
  let last = '';
  for (;;) {
    options.signal.throwIfAborted();
    if (ended) throw new Error(`the VM ended before SSH answered${last === '' ? '' : ` (last try: ${last})`}`);
    const said: string[] = [];
    const code = await session.run(['true'], { output: (line) => said.push(line), signal: options.signal });
    if (code === 0) return session;
    last = said.join(' ').trim() || `exit code ${code}`;
    if (Date.now() + RETRY_MS > deadline)
      throw new Error(`SSH to the VM did not answer within ${options.timeoutMs / 1000} s (last try: ${last})`);
    await sleep(RETRY_MS, undefined, { signal: options.signal });
  }
}

function sshSession(key: string, user: string, port: () => number, confine?: ConfineSsh): GuestSession {
  const ssh = (remote: string) => [
    ...['-F', '/dev/null', '-i', key, '-p', String(port()), '-T'],
    ...['-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'StrictHostKeyChecking=no'],
    ...['-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=10'],
    ...['-o', 'ServerAliveInterval=15', '-o', 'ServerAliveCountMax=8'],
    `${user}@127.0.0.1`,
    remote,
  ];
  const command = async (remote: string) =>
    confine
      ? confine(ssh(remote), { read: [key, '/etc/passwd', '/etc/group'], network: 'host' })
      : { file: 'ssh', args: ssh(remote) };
  const run = async (argv: string[], options: GuestRunOptions & { stdinFile?: string }) => {
    const { file, args } = await command([...(user === ROOT ? [] : ['sudo', '-n']), ...argv].map(quote).join(' '));
    return new Promise<number>((resolve, reject) => {
      options.signal.throwIfAborted();
      const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      const onAbort = () => child.kill('SIGKILL');
      options.signal.addEventListener('abort', onAbort, { once: true });
      for (const stream of [child.stdout, child.stderr]) lines(stream, options.output);
      if (options.stdinFile) createReadStream(options.stdinFile).pipe(child.stdin);
      else child.stdin.end(options.stdin ?? '');
      child.stdin.on('error', () => {});
      child.once('error', reject);
      child.once('close', (code, signal) => {
        options.signal.removeEventListener('abort', onAbort);
        if (options.signal.aborted) reject(options.signal.reason);
        // 255 is ssh's own failure (connection, authentication), not the command's.
        else if (code === null) reject(new Error(`ssh ended by ${signal}`));
        else resolve(code);
      });
    });
  };
  return {
    run,
    async upload(from, to, { mode = 0o600, signal }) {
      const said: string[] = [];
      const script = 'umask 077 && mkdir -p "$(dirname "$1")" && cat > "$1" && chmod "$2" "$1"';
      const code = await run(['sh', '-c', script, 'sh', to, mode.toString(8)], {
        stdinFile: from,
        output: (line) => said.push(line),
        signal,
      });
      if (code !== 0) throw new Error(`copying to ${to} in the VM failed (exit code ${code}): ${said.join(' ')}`);
    },
  };
}

/** One word for the remote shell, whatever it holds. */
const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

function lines(stream: NodeJS.ReadableStream, each: (line: string) => void) {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    for (const line of parts) each(line.replace(/\r$/, ''));
  });
  stream.on('end', () => partial !== '' && each(partial));
}

/** Runs a host command; answers what it printed. */
function exec(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${command} failed (exit code ${code}): ${stderr.trim()}`)),
    );
  });
}
