/**
 * A tiny Linux root file system for build tests: the host's static busybox with every applet linked
 * in /bin, plus the state a generalization must clean (machine id, SSH host keys, logs, shell
 * history, cloud-init instance data).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openBuildLog, type FileBuildLog } from '../../src/imaging/build-log.ts';
import type { RootFsState } from '../../src/imaging/sandbox.ts';
import type { StepContext } from '../../src/imaging/step-runner.ts';

const BUSYBOX = '/bin/busybox';

export function makeBusyboxRootFs(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  copyFileSync(BUSYBOX, join(bin, 'busybox'));
  chmodSync(join(bin, 'busybox'), 0o755);
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' })
    .split('\n')
    .filter((name) => name !== '' && name !== 'busybox');
  for (const applet of applets) symlinkSync('busybox', join(bin, applet));

  for (const sub of ['etc/ssh', 'root', 'var/log', 'var/lib/cloud/instances/x', 'proc', 'dev', 'home'])
    mkdirSync(join(dir, sub), { recursive: true });
  mkdirSync(join(dir, 'tmp'));
  chmodSync(join(dir, 'tmp'), 0o1777);

  const files: Record<string, string> = {
    'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n',
    'etc/group': 'root:x:0:\n',
    'etc/machine-id': '0123456789abcdef0123456789abcdef\n',
    'etc/ssh/ssh_host_rsa_key': '-----BEGIN OPENSSH PRIVATE KEY-----\ntest\n-----END OPENSSH PRIVATE KEY-----\n',
    'etc/ssh/ssh_host_rsa_key.pub': 'ssh-rsa AAAATEST root@build\n',
    'var/log/messages': 'Jan  1 00:00:00 build kernel: booted\n',
    'root/.bash_history': 'echo secret-command\n',
    'var/lib/cloud/instances/x/user-data.txt': '#cloud-config\n',
  };
  for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path), content);
  return dir;
}

/** A fresh busybox root, its build log and a step context, in folder `run-<n>` under `work`. */
export function freshStepFixture(work: string, n: number): { state: RootFsState; log: FileBuildLog; ctx: StepContext } {
  const dir = join(work, `run-${n}`);
  const state = { rootfs: makeBusyboxRootFs(join(dir, 'rootfs')) };
  const log = openBuildLog(join(dir, 'customization.log'));
  return { state, log, ctx: { signal: new AbortController().signal, log } };
}
