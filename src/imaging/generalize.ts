/**
 * Generalizes a Linux image so it can create many machines, as Azure Image Builder does: the user's
 * `/tmp/DeprovisioningScript.sh` when a customizer wrote one, else the Azure Linux agent's
 * deprovisioning when the image has `waagent`, else Kiln's own deprovisioning, done from the host on
 * the root file system directory. Whichever runs, the log says which and what it did.
 *
 * Kiln's own deprovisioning never follows a link the image holds (see `imagePath`): a hostile image
 * with `/var/log/x -> /etc/shadow` must not empty a host file.
 */
import type { Dirent } from 'node:fs';
import { constants, lstat, open, readdir, rm } from 'node:fs/promises';
import { posix } from 'node:path';
import type { BuildLog } from './build-log.ts';
import { runCustomizerCommand } from './customizers/customizer-command.ts';
import type { ResourceLimits } from './limits/resource-limits.ts';
import { imagePath, type RootFsState } from './sandbox.ts';
import type { BuildStep } from './step-runner.ts';

const STEP = 'generalize';
const USER_SCRIPT = '/tmp/DeprovisioningScript.sh';
const WAAGENT = '/usr/sbin/waagent';
/** Azure Image Builder's Linux command, verbatim. */
const WAAGENT_COMMAND = `${WAAGENT} -force -deprovision+user && export HISTSIZE=0 && sync`;
const HISTORIES = ['.bash_history', '.zsh_history', '.ash_history'];

export interface GeneralizeOptions {
  /** Names directly under /tmp that Kiln's deprovisioning must keep; none by default. */
  keepInTmp?: string[];
  /** What a deprovisioning script may use; the defaults of resource-limits.ts when left out. */
  limits?: ResourceLimits;
}

export function generalizeStep(options: GeneralizeOptions = {}): BuildStep<RootFsState> {
  return {
    name: STEP,
    async run({ rootfs }, ctx) {
      const label = 'Generalization';
      if (await exists(rootfs, USER_SCRIPT)) {
        const command = ['/bin/sh', USER_SCRIPT];
        ctx.log.line(`${label}: a customizer wrote ${USER_SCRIPT}; running: ${command.join(' ')}`);
        return runCustomizerCommand({
          label: `${label} (${USER_SCRIPT})`,
          name: STEP,
          rootfs,
          command,
          ctx,
          limits: options.limits,
        });
      }
      if (await exists(rootfs, WAAGENT)) {
        ctx.log.line(`${label}: running: ${WAAGENT_COMMAND}`);
        return runCustomizerCommand({
          label: `${label} (waagent)`,
          name: STEP,
          rootfs,
          command: ['/bin/sh', '-c', WAAGENT_COMMAND],
          ctx,
          limits: options.limits,
        });
      }
      ctx.log.line(
        `${label}: no ${USER_SCRIPT} and no ${WAAGENT} in the image; Kiln deprovisions the root file system itself`,
      );
      await deprovision(rootfs, new Set(options.keepInTmp ?? []), ctx.log);
    },
  };
}

/** What `waagent -deprovision+user` would reset, done on the directory; every change is logged. */
async function deprovision(rootfs: string, keepInTmp: Set<string>, log: BuildLog): Promise<void> {
  const say = (text: string) => log.line(`Generalization: ${text}`);
  const entry = async (path: string) => {
    const host = await imagePath(rootfs, path);
    return { host, stats: await lstat(host).catch(() => undefined) };
  };
  const remove = async (path: string) => {
    const { host, stats } = await entry(path);
    if (!stats) return;
    // rm never follows links, neither the one at `host` nor any inside a directory.
    await rm(host, { recursive: true, force: true });
    say(`removed ${path}`);
  };

  // An empty machine-id tells systemd this is a first boot: each machine makes its own.
  const machineId = await entry('/etc/machine-id');
  if (machineId.stats?.isFile() && machineId.stats.size > 0) {
    await empty(machineId.host);
    say('emptied /etc/machine-id');
  }
  // D-Bus' copy; usually a link to /etc/machine-id, which is then right as it is.
  if ((await entry('/var/lib/dbus/machine-id')).stats?.isFile()) await remove('/var/lib/dbus/machine-id');

  for (const name of await list(rootfs, '/etc/ssh'))
    if (name.name.startsWith('ssh_host_')) await remove(`/etc/ssh/${name.name}`);

  // Each machine needs its own entropy seed; systemd makes one at boot.
  await remove('/var/lib/systemd/random-seed');

  for (const name of await list(rootfs, '/var/log'))
    if (name.name.startsWith('cloud-init')) await remove(`/var/log/${name.name}`);
  // journald's files live in a folder named after the old machine-id, which no machine will have again.
  for (const name of await list(rootfs, '/var/log/journal')) await remove(`/var/log/journal/${name.name}`);
  await emptyLogs(rootfs, '/var/log', say);

  for (const history of HISTORIES) await remove(`/root/${history}`);
  for (const home of await list(rootfs, '/home')) {
    if (home.isDirectory()) for (const history of HISTORIES) await remove(`/home/${home.name}/${history}`);
  }

  // cloud-init's state of this instance, so the next boot is a new instance's first (which makes new
  // SSH host keys and runs per-instance modules): what waagent's deprovisioning removes. Its seed/
  // and the scripts/ an image keeps for every instance stay.
  for (const instance of await list(rootfs, '/var/lib/cloud/instances'))
    await remove(`/var/lib/cloud/instances/${instance.name}`);
  for (const state of ['instance', 'data', 'sem']) await remove(`/var/lib/cloud/${state}`);

  for (const name of await list(rootfs, '/tmp')) if (!keepInTmp.has(name.name)) await remove(`/tmp/${name.name}`);
}

/** Empties every regular file under `dir`, keeping the files (daemons expect them) and their owners and modes. */
async function emptyLogs(rootfs: string, dir: string, say: (text: string) => void): Promise<void> {
  for (const child of await list(rootfs, dir)) {
    const path = posix.join(dir, child.name);
    if (child.isDirectory()) {
      await emptyLogs(rootfs, path, say);
    } else if (child.isFile()) {
      const host = await imagePath(rootfs, path);
      const { size } = await lstat(host);
      if (size === 0) continue;
      await empty(host);
      say(`emptied ${path} (${size} bytes)`);
    }
  }
}

/** Truncates without following a link, should one have replaced the file. */
async function empty(host: string): Promise<void> {
  const file = await open(host, constants.O_WRONLY | constants.O_TRUNC | constants.O_NOFOLLOW);
  await file.close();
}

/** Entries of an image directory, none if it is missing or not a directory. */
async function list(rootfs: string, dir: string): Promise<Dirent[]> {
  try {
    return await readdir(await imagePath(rootfs, dir, { followLast: true }), { withFileTypes: true });
  } catch (error) {
    if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return [];
    throw error;
  }
}

async function exists(rootfs: string, path: string): Promise<boolean> {
  try {
    await lstat(await imagePath(rootfs, path, { followLast: true }));
    return true;
  } catch (error) {
    if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return false;
    throw error;
  }
}
