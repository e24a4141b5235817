/**
 * The Packer side of kiln-build.bench.ts (issue 12 (b)): Debian's `packer` (1.6.6, whose qemu
 * builder is built in) builds a base with a Shell step's commands the way a Packer user does it,
 * and the benchmark sets its time beside `kiln build`'s of the same base.
 *
 * What one build does: `packer build` of a JSON template whose qemu builder takes the raw base as
 * its disk image (`disk_image`, kept at its size: `skip_resize_disk`), copies it into its output
 * folder, boots it under TCG (`accelerator: tcg`, headless, 1 vCPU and 1024 MiB as a Kiln build VM)
 * with a NoCloud CD (`cd_files` labelled cidata, made by Packer with xorriso) that lets root in
 * with a key made for the build, waits for its SSH communicator, runs the shell provisioner with
 * the step's commands as root, shuts the guest down (`shutdown -P now`) and leaves a raw disk; then
 * `qemu-img convert` makes it the fixed VHD Kiln's VHD output is, and that is counted too, since
 * Packer's qemu builder writes only qcow2 or raw. The guest's network is QEMU's user network with
 * `restrict=on` (no way out, as Kiln's VMs) and only its port 22 forwarded to 127.0.0.1. Packer runs
 * with CHECKPOINT_DISABLE (no update check over the network) and its cache, log and temporary files
 * in a folder of the build's own, removed at the end with the disks.
 *
 * Phases are timed by when Packer's output lines arrive; the build is then checked, untimed: the
 * QEMU command line in Packer's log must say `accel=tcg`, and the built disk's root file system
 * (read with debugfs) must hold what the caller expects the commands to leave.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { findRootPartition } from '../../src/imaging/disk/partitions.ts';

/** What Packer's `cd_files` runs to make its CD: any one of these. */
const ISO_MAKERS = ['xorriso', 'mkisofs', 'genisoimage'];
/** The shell provisioner's commands run as root; the guest logs in as root as a Kiln build VM's communicator does. */
const USER = 'root';

/** The phases of `packer build`, each ending at the first output line its pattern matches (or at exit). */
const PHASES: Array<[string, RegExp | 'exit']> = [
  [
    'start packer, read the template, make the cidata CD (xorriso)',
    /Skipping qemu-img convert step|Copying hard drive/,
  ],
  ['copy the base into its output folder', /Starting VM, booting disk image/],
  ['QEMU start → SSH lets root in (boot; 10 s boot_wait inside)', /Connected to SSH!/],
  ['shell provisioner (upload the script, run it)', /Gracefully halting virtual machine/],
  ['shutdown -P now → the VM is off', /Build 'qemu' finished/],
  ['exit after the last line', 'exit'],
];
export const PACKER_PHASE_NAMES = PHASES.map(([name]) => name);

export interface PackerOptions {
  /** The Shell step's commands. */
  inline: string[];
  memoryMiB: number;
  cpus: number;
  /** What the commands leave in the root file system: files with their contents, directories. */
  expect: { files: Record<string, string>; directories: string[] };
}

export interface PackerRun {
  /** `packer build` from spawn to exit, plus the VHD convert. */
  total: number;
  /** `packer build` from spawn to exit. */
  packer: number;
  /** Seconds per phase (PACKER_PHASE_NAMES); undefined where no line matched. */
  phases: Array<number | undefined>;
  /** `qemu-img convert` of Packer's raw disk to a fixed VHD. */
  convert: number;
  /** The QEMU command line Packer ran, from its log. */
  qemu: string;
  outputBytes: number;
}

/** `packer version`'s answer, or why the comparison cannot run here. */
export function packerReady(): { version: string } | { missing: string } {
  const path = (process.env.PATH ?? '').split(delimiter);
  const onPath = (name: string) => path.some((dir) => dir !== '' && existsSync(join(dir, name)));
  if (!onPath('packer')) return { missing: 'packer is not installed (apt-get install packer)' };
  if (!ISO_MAKERS.some(onPath))
    return { missing: `packer's cd_files needs one of ${ISO_MAKERS.join(', ')} (apt-get install xorriso)` };
  const version = execFileSync('packer', ['version'], {
    encoding: 'utf8',
    env: { ...process.env, CHECKPOINT_DISABLE: '1' },
  });
  return { version: version.trim().split('\n')[0] };
}

/** One Packer build of `base` (a raw disk, left as it is) in a folder of its own under `workDir`, timed. */
export async function timePackerBuild(base: string, workDir: string, options: PackerOptions): Promise<PackerRun> {
  const dir = await mkdtemp(join(workDir, 'packer-'));
  try {
    const template = await writeTemplate(base, dir, options);
    const log = join(dir, 'packer.log');
    const temp = join(dir, 'tmp');
    await mkdir(temp);
    const start = performance.now();
    const { lines, end } = await packerBuild(template, {
      ...process.env,
      CHECKPOINT_DISABLE: '1',
      PACKER_CACHE_DIR: join(dir, 'cache'),
      PACKER_LOG: '1',
      PACKER_LOG_PATH: log,
      TMPDIR: temp,
    });
    const raw = join(dir, 'output', 'packer.raw');
    const vhd = join(dir, 'packer.vhd');
    const convertStart = performance.now();
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'vpc', '-o', 'subformat=fixed,force_size=on', raw, vhd]);
    const convertEnd = performance.now();

    const qemu = qemuCommand(await readFile(log, 'utf8'));
    if (!qemu.includes('accel=tcg')) throw new Error(`Packer's QEMU did not run under TCG: ${qemu}`);
    await checkCustomized(raw, options.expect);
    let previous = start;
    const phases = PHASES.map(([, ends]) => {
      const at = ends === 'exit' ? end : lines.find(([, line]) => ends.test(line))?.[0];
      if (at === undefined) return undefined;
      const took = (at - previous) / 1000;
      previous = at;
      return took;
    });
    return {
      total: (end - start + convertEnd - convertStart) / 1000,
      packer: (end - start) / 1000,
      phases,
      convert: (convertEnd - convertStart) / 1000,
      qemu,
      outputBytes: (await stat(vhd)).size,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The key, the NoCloud files and the template; returns the template's path. */
async function writeTemplate(base: string, dir: string, options: PackerOptions): Promise<string> {
  const key = join(dir, 'key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'kiln-bench-packer', '-f', key]);
  const publicKey = (await readFile(`${key}.pub`, 'utf8')).trim();
  const metaData = join(dir, 'meta-data');
  const userData = join(dir, 'user-data');
  await writeFile(metaData, `instance-id: packer-${process.pid}-${Date.now()}\nlocal-hostname: packer\n`);
  await writeFile(userData, `#cloud-config\ndisable_root: false\nssh_authorized_keys:\n  - ${publicKey}\n`);
  const template = {
    builders: [
      {
        type: 'qemu',
        iso_url: base,
        // The base is the benchmark's own file, made moments before.
        iso_checksum: 'none',
        disk_image: true,
        skip_resize_disk: true,
        format: 'raw',
        accelerator: 'tcg',
        headless: true,
        memory: options.memoryMiB,
        cpus: options.cpus,
        output_directory: join(dir, 'output'),
        vm_name: 'packer.raw',
        cd_files: [metaData, userData],
        cd_label: 'cidata',
        // Packer's own -netdev, with no way out for the guest and the forward on loopback only.
        qemuargs: [['-netdev', 'user,id=user.0,restrict=on,hostfwd=tcp:127.0.0.1:{{ .SSHHostPort }}-:22']],
        communicator: 'ssh',
        ssh_username: USER,
        ssh_private_key_file: key,
        ssh_timeout: '10m',
        shutdown_command: 'shutdown -P now',
      },
    ],
    provisioners: [{ type: 'shell', inline: options.inline }],
  };
  const path = join(dir, 'packer.json');
  await writeFile(path, JSON.stringify(template, null, 2));
  return path;
}

/** Runs `packer build`; resolves with each output line and when it arrived, and when Packer exited. */
async function packerBuild(
  template: string,
  env: NodeJS.ProcessEnv,
): Promise<{ lines: Array<[number, string]>; end: number }> {
  const child = spawn('packer', ['build', '-color=false', template], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const lines: Array<[number, string]> = [];
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const now = performance.now();
    const parts = (pending + chunk).split('\n');
    pending = parts.pop()!;
    for (const line of parts) lines.push([now, line]);
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const end = performance.now();
  if (code !== 0)
    throw new Error(`packer build exited ${code}:\n${lines.map(([, line]) => line).join('\n')}\n${pending}${stderr}`);
  return { lines, end };
}

/** The `qemu-system-…` command line from Packer's log (`Executing /usr/bin/qemu-system-x86_64: []string{…}`). */
function qemuCommand(log: string): string {
  const executing = /Executing (\S*qemu-system-\S+): \[\]string\{(.*)\}$/m.exec(log);
  if (!executing) throw new Error("Packer's log names no QEMU command line");
  return [executing[1], ...[...executing[2].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((arg) => arg[1])].join(' ');
}

/** Reads the root file system of the built raw disk with debugfs and fails unless it holds what is expected. */
async function checkCustomized(raw: string, expect: PackerOptions['expect']): Promise<void> {
  const root = await findRootPartition(raw);
  // debugfs says its version on stderr, and a missing path there too (its answer on stdout is then empty).
  const debugfs = (request: string) =>
    execFileSync('debugfs', ['-R', request, `${raw}?offset=${root.start}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  for (const [file, content] of Object.entries(expect.files)) {
    const found = debugfs(`cat ${file}`);
    if (found !== content)
      throw new Error(`Packer's image holds ${JSON.stringify(found)} in ${file}, not ${JSON.stringify(content)}`);
  }
  for (const directory of expect.directories)
    if (!/Type: directory/.test(debugfs(`stat ${directory}`)))
      throw new Error(`Packer's image has no directory ${directory}`);
}
