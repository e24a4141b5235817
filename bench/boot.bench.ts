/**
 * Booting the Debian base to the communicator under TCG (issue 13): Kiln's VM driver and SSH
 * communicator (`createQemuVmDriver`, `createSshCommunicator`, as a build's VM does it:
 * imaging/guest/guest-vm.ts) side by side with the same boot done by a plain `qemu-system-x86_64`
 * command line and a plain `ssh … true` loop (support/plain-boot.ts), then what `kiln build
 * --boot-check` adds to a build. The disk is test/support/debian-image.ts's bootable Debian 12 (GPT,
 * GRUB, cloud-init, sshd), booted with a PC BIOS, 1024 MiB and 1 vCPU; `--disk` boots another raw
 * disk instead (for trying the benchmark out; recorded numbers are the Debian base's).
 *
 * **TCG on both sides.** The reference passes `-accel tcg`. Kiln's driver has no such option: once
 * per process it boots the UEFI firmware alone under KVM as a probe, and takes TCG when KVM fails
 * there (as it does on these hosts). So the benchmark boots the disk once with the driver first, a
 * warm-up that pays the probe and warms the page cache for both sides, reports what the probe cost,
 * and counts only the boots after it, each of which must report TCG. The `kiln build` processes are
 * fresh processes: each pays the probe again, as a user's build does, and is part of what
 * `--boot-check` adds.
 *
 * Between QEMU's start and SSH the serial console is timed at two lines, the same on both sides:
 * the kernel's first (`Linux version`: firmware and GRUB before it) and systemd's `Started
 * ssh.service` (sshd listening; after it, the SSH polls and the first login). Besides wall time,
 * QEMU's CPU time until the communicator answered is read from /proc on both sides: the work QEMU
 * did, which what Kiln adds to its command line would change, and which other people's load on the
 * shared CPUs hardly moves, unlike wall time.
 *
 * The two boots of a round take turns going first, `--runs` rounds (default 3), and the two builds
 * (with and without `--boot-check`) likewise. With `--together` the two boots of a round run at
 * once instead, one vCPU each on a host of two or more CPUs: load from other processes, which on a
 * shared host moves more between two boots in turn than what the comparison measures, then falls on
 * both alike. Usage and recorded runs: bench/README.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createQemuVmDriver } from '../src/adapters/qemu-vm-driver.ts';
import { createSshCommunicator } from '../src/adapters/ssh-communicator.ts';
import { confineQemu, confineSshClient } from '../src/app/vm-confinement.ts';
import { debianImage } from '../test/support/debian-image.ts';
import { KERNEL, SSHD, when } from './support/boot-marks.ts';
import { plainBoot, type PlainBoot } from './support/plain-boot.ts';
import { cpuSeconds, qemuForwarding } from './support/qemu-process.ts';
import {
  between,
  machine,
  markdownTable,
  median,
  medianOfAll,
  ratio,
  seconds,
  sideBySide,
  timed,
} from './support/report.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    disk: { type: 'string' },
    'skip-build': { type: 'boolean' },
    together: { type: 'boolean' },
  },
});
const runs = Number(values.runs);
if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`--runs takes a whole number, not '${values.runs}'.`);

const KILN = path.resolve('bin/kiln.js');
/** A build VM's size (imaging/guest/guest-vm.ts). */
const VM = { memoryMiB: 1024, cpus: 1 };
const TIMEOUT_MS = 300_000;
const IMAGE = { publisher: 'kiln-bench', offer: 'debian', sku: '12', version: '1.0.0' };
const TEMPLATE = {
  location: 'westus',
  properties: {
    source: { type: 'PlatformImage', ...IMAGE },
    customize: [{ type: 'Shell', name: 'motd', inline: ['echo "built by kiln" > /etc/motd'] }],
    distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
  },
};

/** One boot to the communicator; seconds. `spawn*` count from QEMU's start. */
interface BootRun {
  /** Before QEMU starts: the key, the seed drive, a free port (and, for Kiln, its VM folder). */
  setup: number;
  spawnToKernel?: number;
  spawnToSshd?: number;
  spawnToCommunicator: number;
  total: number;
  /** The CPU time QEMU had used when the communicator answered. */
  qemuCpu: number;
}

interface BuildRun {
  total: number;
  /** The boot check step, as the build times it. */
  bootCheck?: number;
  /** When the boot check's VM showed its login prompt, as the build logs it. */
  loginPrompt?: number;
}

/** What the driver says once per process about its accelerator, and when. */
const notices: Array<[number, string]> = [];
// Confined as app/workers.ts confines them: QEMU under bubblewrap and a cgroup, the SSH client under bubblewrap.
const driver = createQemuVmDriver({
  onNotice: (text) => notices.push([performance.now(), text]),
  confine: confineQemu,
});
const communicator = createSshCommunicator({ confine: confineSshClient });
const work = await mkdtemp(path.join(os.tmpdir(), 'kiln-bench-boot-'));
try {
  await main();
} finally {
  await rm(work, { recursive: true, force: true });
}

async function main(): Promise<void> {
  console.log(`${machine()}, dir ${work}`);
  const load = os.loadavg().map((average) => average.toFixed(2));
  console.log(`load average at the start: ${load.join(', ')}`);
  const disk = values.disk ?? (await debianImage());
  console.log(`disk: ${disk}\n`);

  const warmUp = await kilnBoot(disk);
  const [toldAt, told] = notices[0] ?? [];
  console.log(
    `warm-up, Kiln's driver: "${told}" ${seconds(((toldAt ?? 0) - warmUp.bootCalled) / 1000)} s after driver.boot()` +
      ` was called (the KVM probe); communicator after ${seconds(warmUp.run.total)} s (not counted below)`,
  );
  if (warmUp.accelerator !== 'tcg') throw new Error(`KVM works here: this benchmark compares boots under TCG.`);

  const plain: BootRun[] = [];
  const kiln: BootRun[] = [];
  for (let round = 0; round < runs; round += 1) {
    const both = [
      async () => plain.push(fromPlain(await plainBoot(disk, work, { ...VM, timeoutMs: TIMEOUT_MS }))),
      async () => {
        const boot = await kilnBoot(disk);
        if (boot.accelerator !== 'tcg') throw new Error(`a boot after the warm-up ran under ${boot.accelerator}`);
        kiln.push(boot.run);
      },
    ];
    if (values.together === true) await Promise.all(both.map((boot) => boot()));
    else for (const boot of round % 2 === 0 ? both : both.reverse()) await boot();
    console.log(
      `round ${round + 1}: plain QEMU ${seconds(plain[round].total)} s, Kiln's driver ${seconds(kiln[round].total)} s,` +
        ` Kiln / plain ${ratio(kiln[round].total / plain[round].total)} (load ${os.loadavg()[0].toFixed(2)})`,
    );
  }
  printBoots(plain, kiln);
  if (values['skip-build'] !== true) await buildRounds(disk);
}

function fromPlain(boot: PlainBoot): BootRun {
  return {
    setup: boot.setupSeconds,
    spawnToKernel: when(boot.serial, KERNEL),
    spawnToSshd: when(boot.serial, SSHD),
    spawnToCommunicator: boot.sshSeconds,
    total: boot.setupSeconds + boot.sshSeconds,
    qemuCpu: boot.qemuCpuSeconds,
  };
}

/** One boot as a build's VM does it (imaging/guest/guest-vm.ts), timed from the communicator's prepare to its answer. */
async function kilnBoot(disk: string) {
  const startedAt = performance.now();
  const access = await communicator.prepare();
  const serial: Array<[number, string]> = [];
  try {
    const bootCalled = performance.now();
    let booted = bootCalled;
    const vm = await driver.boot(
      { path: disk, format: 'raw' },
      {
        ...VM,
        serial: (line) => serial.push([(performance.now() - booted) / 1000, line]),
        network: { forwardPorts: [access.guestPort], outbound: false },
        seed: { metaData: `instance-id: bench-${randomUUID()}\nlocal-hostname: bench\n`, userData: access.cloudConfig },
      },
    );
    // QEMU's spawn event comes as boot() resolves, before the guest prints anything.
    booted = performance.now();
    try {
      await access.connect(vm, { timeoutMs: TIMEOUT_MS, signal: AbortSignal.timeout(TIMEOUT_MS) });
      const connected = performance.now();
      const qemuCpu = await cpuSeconds((await qemuForwarding('127.0.0.1', vm.hostPort(access.guestPort))).pid);
      const run: BootRun = {
        setup: (booted - startedAt) / 1000,
        spawnToKernel: when(serial, KERNEL),
        spawnToSshd: when(serial, SSHD),
        spawnToCommunicator: (connected - booted) / 1000,
        total: (connected - startedAt) / 1000,
        qemuCpu,
      };
      return { run, bootCalled, accelerator: vm.accelerator };
    } finally {
      await vm.stop();
    }
  } finally {
    await access.dispose();
  }
}

function printBoots(plain: BootRun[], kiln: BootRun[]): void {
  const rows: Array<[string, (run: BootRun) => number | undefined]> = [
    ['before QEMU starts (key, seed drive, free port)', (run) => run.setup],
    ['QEMU start → the kernel (firmware, GRUB)', (run) => run.spawnToKernel],
    ['the kernel → sshd started', (run) => between(run.spawnToKernel, run.spawnToSshd)],
    [
      'sshd started → SSH lets root in (polls, first login)',
      (run) => between(run.spawnToSshd, run.spawnToCommunicator),
    ],
    ['QEMU start → SSH lets root in', (run) => run.spawnToCommunicator],
    ['total: to the communicator', (run) => run.total],
    ["QEMU's CPU time (user + sys) by then", (run) => run.qemuCpu],
  ];
  const how = values.together === true ? 'both boots of a round at once' : 'the boots of a round in turn';
  console.log(`\nBoot of ${VM.memoryMiB} MiB, ${VM.cpus} vCPU, BIOS, TCG, to SSH (${runs} rounds, ${how}):\n`);
  console.log(sideBySide({ name: 'plain', runs: plain }, { name: 'Kiln', runs: kiln }, rows));
  const goal = median(kiln.map((run) => run.total)) / median(plain.map((run) => run.total));
  console.log(`\nKiln's driver / plain QEMU, to the communicator: ${ratio(goal)} (median over median; goal ≤ 1.10)`);
}

/** `kiln build` of the one-Shell-step template on the imported base, with and without `--boot-check`, in turns. */
async function buildRounds(disk: string): Promise<void> {
  const data = path.join(work, 'data');
  const [, importSeconds] = await timed(() =>
    execFileSync(
      process.execPath,
      [
        KILN,
        ...['platform-image', 'import', '--data', data, '--file', disk, '-o', 'none'],
        ...Object.entries(IMAGE).flatMap(([name, value]) => [`--${name}`, value]),
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    ),
  );
  const template = path.join(work, 'bench.json');
  await writeFile(template, JSON.stringify(TEMPLATE, null, 2));
  console.log(`\nkiln platform-image import of the disk: ${seconds(importSeconds)} s, not counted below`);
  const without: BuildRun[] = [];
  const checked: BuildRun[] = [];
  for (let round = 0; round < runs; round += 1) {
    const both = [
      async () => without.push(await kilnBuild(template, data, false)),
      async () => checked.push(await kilnBuild(template, data, true)),
    ];
    for (const build of round % 2 === 0 ? both : both.reverse()) await build();
    console.log(
      `round ${round + 1}: kiln build ${seconds(without[round].total)} s, with --boot-check ${seconds(checked[round].total)} s`,
    );
  }
  const rows: Array<[string, Array<number | undefined>]> = [
    ['kiln build, spawn to exit', without.map((run) => run.total)],
    ['kiln build --boot-check, spawn to exit', checked.map((run) => run.total)],
    ['  what --boot-check adds (same round)', checked.map((run, i) => run.total - without[i].total)],
    ['  its boot check step', checked.map((run) => run.bootCheck)],
    ['  its VM: QEMU start → `login:`', checked.map((run) => run.loginPrompt)],
  ];
  console.log(`\nkiln build of the base, one Shell step, VHD out, under TCG (${runs} rounds):\n`);
  console.log(
    markdownTable(
      ['build', ...without.map((_, i) => `round ${i + 1} s`), 'median s'],
      rows.map(([name, numbers]) => [name, ...numbers.map(seconds), seconds(medianOfAll(numbers))]),
    ),
  );
  console.log(
    `\nkiln build --boot-check / kiln build: ${ratio(median(checked.map((run) => run.total)) / median(without.map((run) => run.total)))} (median over median)`,
  );
}

/**
 * One `kiln build`, timed from spawn to exit, with the boot check's own times read from its output
 * (`✓ boot check (12.3 s)`, `Boot check: login prompt after 12.3 s (tcg)`).
 */
async function kilnBuild(template: string, data: string, bootCheck: boolean): Promise<BuildRun> {
  const outputDir = path.join(work, 'output');
  const start = performance.now();
  const child = spawn(
    process.execPath,
    [KILN, 'build', template, '--data', data, '--output-dir', outputDir, ...(bootCheck ? ['--boot-check'] : [])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (output += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const total = (performance.now() - start) / 1000;
  if (code !== 0) throw new Error(`kiln build exited ${code}:\n${output}`);
  await rm(outputDir, { recursive: true, force: true });
  if (bootCheck && !/login prompt after [\d.]+ s \(tcg\)/.test(output))
    throw new Error(`the boot check did not run under TCG:\n${output}`);
  const number = (pattern: RegExp) => {
    const found = pattern.exec(output)?.[1];
    return found === undefined ? undefined : Number(found);
  };
  return {
    total,
    bootCheck: number(/✓ boot check \(([\d.]+) s\)/),
    loginPrompt: number(/Boot check: login prompt after ([\d.]+) s/),
  };
}
