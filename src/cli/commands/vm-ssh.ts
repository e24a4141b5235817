/**
 * `kiln vm ssh`: OpenSSH to the VM's first public IP as its admin user, what `az ssh vm` does for a
 * local user; what follows `--` goes to ssh after the destination (a command, or more options), and
 * the command exits with ssh's status.
 *
 * Keys: `-i FILE`, else the ~/.ssh/id_* private keys that exist, passed with -i because OpenSSH looks
 * in the home folder of the passwd entry, not $HOME, where `vm create --generate-ssh-keys` wrote them.
 * Host keys: a Kiln public IP is a loopback address that a later VM may get again, so the host key is
 * kept under the VM's own vmId (HostKeyAlias) in the Kiln CLI's known_hosts file, trusted the first
 * time (accept-new): a new VM at a reused address is not a mismatch, and a changed key of the same VM
 * is still refused.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants, homedir } from 'node:os';
import { join } from 'node:path';
import { ExitStatus, type CommandSpec } from '../arm/command.ts';
import { nameFlags } from '../arm/resources.ts';
import { configDir } from '../arm/profile.ts';
import { addressesOf, getVm, vmPath } from './vm-details.ts';
import { VM } from './vm-kinds.ts';

const DEFAULT_KEYS = ['id_rsa', 'id_ecdsa', 'id_ed25519'];

export const sshVm: CommandSpec = {
  name: 'ssh',
  summary: "SSH into the VM's public IP as its admin user (what 'az ssh vm' does), with OpenSSH.",
  flags: [
    ...nameFlags(VM),
    { name: 'local-user', help: "The user to log in as. Default: the VM's admin user." },
    { name: 'private-key-file', short: 'i', help: 'The private key. Default: those of ~/.ssh that exist.' },
    { name: 'port', default: '22', help: 'The SSH port.' },
  ],
  trailing: { name: 'SSH_ARGS', help: 'Passed to ssh after the destination: a command to run, or more options.' },
  examples: [
    { title: 'An interactive shell on the VM.', command: 'kiln vm ssh -g MyResourceGroup -n MyVm' },
    {
      title: 'Run one command.',
      command: 'kiln vm ssh -g MyResourceGroup -n MyVm -- sudo journalctl -b -u cloud-final',
    },
  ],
  async run(ctx) {
    const session = await ctx.session();
    const vm = await getVm(session, vmPath(session, ctx.args));
    const [address] = (await addressesOf(session, vm)).publicIps;
    if (!address)
      throw new Error(
        `The VM '${vm.name}' has no public IP address to connect to; give its interface one, or create the VM with --public-ip-address.`,
      );
    const key = ctx.args.string('private-key-file');
    const keys = key
      ? [key]
      : DEFAULT_KEYS.map((name) => join(homedir(), '.ssh', name)).filter((file) => existsSync(file));
    const user = ctx.args.string('local-user') ?? vm.properties.osProfile.adminUsername;
    const status = await runSsh([
      ...keys.flatMap((file) => ['-i', file]),
      ...['-p', ctx.args.required('port')],
      ...['-o', `HostKeyAlias=kiln-vm-${vm.properties.vmId}`, '-o', 'StrictHostKeyChecking=accept-new'],
      ...['-o', `UserKnownHostsFile=${join(configDir(), 'known_hosts')}`],
      `${user}@${address}`,
      ...ctx.trailing,
    ]);
    if (status !== 0) throw new ExitStatus(status);
    return undefined;
  },
};

/** ssh with this terminal; its exit status (128 + the signal's number when a signal ended it, as shells report). */
function runSsh(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { stdio: 'inherit' });
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT' ? new Error("OpenSSH's ssh was not found on PATH: install openssh-client.") : error,
      ),
    );
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}
