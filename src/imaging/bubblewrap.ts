/**
 * What Kiln's two bubblewrap sandboxes share, customizer scripts (sandbox.ts) and the tools that parse
 * image content (disk/confine.ts): the bwrap program, the PATH programs get inside, and what covers
 * their /proc.
 *
 * /proc, for every sandbox Kiln runs as root: a fresh /proc of a new PID
 * namespace still reaches the host kernel through some entries, and uid 0 with CAP_DAC_OVERRIDE may
 * write them; they are covered as Docker covers them:
 * - read-only: `/proc/{sys,sysrq-trigger,bus,fs,irq}` (a root process could otherwise set
 *   `kernel/core_pattern`, which runs any program as host root, or any other sysctl);
 * - masked: the entries that show kernel memory or state (`kcore`, `keys`, `timer_list`...): a
 *   directory by an empty read-only tmpfs, a file by /dev/null bound without device access, so it
 *   cannot even be opened.
 * The kernel's entries are the same in every /proc, so the host's serve as the read-only sources.
 * Only entries this kernel has are covered: bubblewrap cannot create a mount point inside /proc.
 * The arguments go after `--proc /proc`.
 */
import { constants, existsSync, statSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';

/** The PATH of every program run in a sandbox: the usual system folders, inside the image or the tool's tree. */
export const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `command` in the first folder of `path` (a PATH string) that holds it as an executable; undefined when none does. */
export async function findProgram(command: string, path: string): Promise<string | undefined> {
  for (const dir of path.split(':').filter(Boolean)) {
    const candidate = join(dir, command);
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  return undefined;
}

/** bubblewrap's absolute path on the host: the sandboxes start it with an empty environment, so no PATH. */
export async function bubblewrap(neededFor: string): Promise<string> {
  const found = await findProgram('bwrap', process.env.PATH ?? SANDBOX_PATH);
  if (!found)
    throw new Error(`bubblewrap (bwrap) is not installed; Kiln needs it ${neededFor} (scripts/setup.sh installs it).`);
  return found;
}

const READ_ONLY_PROC = ['bus', 'fs', 'irq', 'sys', 'sysrq-trigger'];
const MASKED_PROC = [
  'asound',
  'acpi',
  'kcore',
  'keys',
  'latency_stats',
  'timer_list',
  'timer_stats',
  'sched_debug',
  'scsi',
];

let covers: string[] | undefined;

export function procCovers(): string[] {
  const present = (name: string) => existsSync(`/proc/${name}`);
  covers ??= [
    ...READ_ONLY_PROC.filter(present).flatMap((name) => ['--ro-bind', `/proc/${name}`, `/proc/${name}`]),
    ...MASKED_PROC.filter(present).flatMap((name) =>
      statSync(`/proc/${name}`).isDirectory()
        ? ['--tmpfs', `/proc/${name}`, '--remount-ro', `/proc/${name}`]
        : ['--ro-bind', '/dev/null', `/proc/${name}`],
    ),
  ];
  return covers;
}
