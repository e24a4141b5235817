/**
 * What covers a bubblewrap sandbox's /proc, for every sandbox Kiln runs as root: customizer scripts
 * (sandbox.ts) and the tools that parse image content (disk/confine.ts). A fresh /proc of a new PID
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
import { existsSync, statSync } from 'node:fs';

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
