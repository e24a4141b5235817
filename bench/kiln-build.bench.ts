/**
 * `kiln build` as a user runs it (`node bin/kiln.js build`, a process of its own, over a data folder
 * where the base was imported with `kiln platform-image import`), VHD out, side by side with what the
 * same bytes cost with plain tools: `cp` of the base, `sync`, `qemu-img convert` to a fixed VHD
 * (issue 12 (b)). The base is the bootable disk grown to `--size-mib` (default 2048). The two are
 * timed in turn, `--runs` times each (default 3), each after a global `sync`; Kiln's phases come
 * from when its output lines arrive. Also reported: write_bytes of Kiln's process tree (this
 * process reaps it, so its /proc/self/io grows by the tree's) and its peak RSS (`/usr/bin/time`'s
 * maximum resident set: the largest single process of the tree).
 *
 * Unless `--skip-packer` (or when `packer` is missing, which it says), the same rounds also set
 * Debian's Packer beside Kiln (support/packer.ts): its qemu builder boots the base under TCG, runs the
 * template's Shell commands through its SSH communicator and shell provisioner, shuts down, and its
 * raw disk becomes a fixed VHD. That needs a guest with an SSH server, which the busybox base lacks,
 * so this comparison builds another base with both: Kiln's Debian 12 (support/debian-base.ts) at the
 * same size, imported as a platform image of its own, with the same template. Usage and recorded
 * runs: bench/README.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { makeBootableBase } from './support/bootable-base.ts';
import { makeDebianBase } from './support/debian-base.ts';
import { PACKER_PHASE_NAMES, packerReady, timePackerBuild, type PackerRun } from './support/packer.ts';
import { writeCounts } from './support/process-accounting.ts';
import { machine, markdownTable, median, MIB, mib, percent, ratio, seconds, timed } from './support/report.ts';

const { values } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '2048' },
    runs: { type: 'string', default: '3' },
    'skip-boot-check': { type: 'boolean' },
    'skip-packer': { type: 'boolean' },
  },
});
const sizeMib = Number(values['size-mib']);
if (!Number.isSafeInteger(sizeMib) || sizeMib < 128)
  throw new Error(`--size-mib takes a whole number of MiB, at least 128, not '${values['size-mib']}'.`);
const runs = Number(values.runs);
if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`--runs takes a whole number, not '${values.runs}'.`);

const KILN = path.resolve('bin/kiln.js');
type ImageName = Record<'publisher' | 'offer' | 'sku' | 'version', string>;
const IMAGE: ImageName = { publisher: 'kiln-bench', offer: 'bootable', sku: 'base', version: '1.0.0' };
/** The base of the Packer comparison. */
const DEBIAN_IMAGE: ImageName = { publisher: 'kiln-bench', offer: 'debian', sku: '12', version: '1.0.0' };
/** The reference template's Shell step; Packer's shell provisioner runs the same commands. */
const SHELL_STEP = { type: 'Shell', name: 'motd', inline: ['echo "built by kiln" > /etc/motd', 'mkdir -p /srv/app'] };
/** What SHELL_STEP leaves in the root file system, checked in Packer's image. */
const SHELL_STEP_LEAVES = { files: { '/etc/motd': 'built by kiln\n' }, directories: ['/srv/app'] };
/** Packer's VM: a Kiln build VM's size (imaging/guest/guest-vm.ts). */
const PACKER_VM = { memoryMiB: 1024, cpus: 1 };
/** The template: the Shell step on `image`, one VHD out. */
const template = (image: ImageName) => ({
  location: 'westus',
  properties: {
    source: { type: 'PlatformImage', ...image },
    customize: [SHELL_STEP],
    distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
  },
});
/**
 * Kiln's output, which `kiln build` prints from the run's customization.log as it is written (its
 * own lines indented; it reads the log every 100 ms): the build's steps, each timed by the build
 * itself (`✓ step (time)`, to 0.1 s), and the phases around them, timed from when the line that ends
 * each arrives (± 0.1 s).
 */
const STEPS = ['stage', 'source', 'motd', 'generalize', 'write image', 'store image'];
const BEFORE_STEPS: Array<[string, RegExp]> = [
  ['start the CLI (node, its bundle), read and check the template', /^Building image template /],
  ['open the data folder, queue the run, to the first step', /^==> stage$/],
];
const AFTER_STEPS: Array<[string, RegExp, RegExp]> = [
  ['distribute: the run outputs (the VHD, by a copy in the store)', /^✓ store image /, /^ {4}Run Succeeded$/],
  ['write the VHD run output to --output-dir', /^ {4}Run Succeeded$/, /^Run Succeeded in /],
];
/** Kiln's rows, in the order `kilnBuild` measures them. */
const PHASE_NAMES = [
  ...BEFORE_STEPS.map(([name]) => name),
  ...STEPS.map((step) => `step ${step}`),
  ...AFTER_STEPS.map(([name]) => name),
  'exit after the last line',
];

interface KilnRun {
  total: number;
  /** Seconds per phase (PHASE_NAMES); undefined where no line matched. */
  phases: Array<number | undefined>;
  writeBytes: number;
  peakRss: number;
  outputBytes: number;
}

interface ReferenceRun {
  cp: number;
  sync: number;
  convert: number;
}

const work = await mkdtemp(path.join(os.tmpdir(), 'kiln-bench-cli-'));
try {
  await main();
} finally {
  await rm(work, { recursive: true, force: true });
}

/** The Packer comparison's base, imported and templated like the main one. */
interface PackerComparison {
  raw: string;
  template: string;
}

async function main(): Promise<void> {
  console.log(`${machine()}, dir ${work}`);
  // As set-up leaves an install: the CLI bundled (bin/kiln.js runs the TypeScript through tsx while src/ is newer).
  execFileSync('npm', ['run', '--silent', 'build:cli'], { stdio: 'inherit' });
  const [base, baseSeconds] = await timed(() => makeBootableBase(work, sizeMib, values['skip-boot-check'] !== true));
  const data = path.join(work, 'data');
  const importSeconds = await importImage(data, base.raw, IMAGE);
  const template = await writeTemplate('bench.json', IMAGE);
  const imageBytes = (await stat(base.raw)).size;
  console.log(`base image: ${base.description}`);
  if (base.bootSeconds !== undefined)
    console.log(`the base boots to its login prompt under QEMU (TCG) in ${base.bootSeconds.toFixed(1)} s`);
  console.log(
    `setup (make the base: ${baseSeconds.toFixed(1)} s; kiln platform-image import: ${importSeconds.toFixed(1)} s), not counted below`,
  );
  const packer = await preparePackerComparison(data);
  console.log('');

  const references: ReferenceRun[] = [];
  const builds: KilnRun[] = [];
  const debianBuilds: KilnRun[] = [];
  const packerBuilds: PackerRun[] = [];
  for (let run = 0; run < runs; run += 1) {
    references.push(await reference(base.raw));
    builds.push(await kilnBuild(template, data, run));
    let round = `round ${run + 1}: reference ${seconds(total(references[run]))} s, kiln build ${seconds(builds[run].total)} s`;
    if (packer !== undefined) {
      // The two sides of the comparison take turns going first, so neither always finds the base in the page cache.
      const both = [
        async () => debianBuilds.push(await kilnBuild(packer.template, data, run)),
        async () =>
          packerBuilds.push(
            await timePackerBuild(packer.raw, work, {
              inline: SHELL_STEP.inline,
              ...PACKER_VM,
              expect: SHELL_STEP_LEAVES,
            }),
          ),
      ];
      for (const build of run % 2 === 0 ? both : both.reverse()) await build();
      round += `; Debian base: kiln build ${seconds(debianBuilds[run].total)} s, packer build + convert ${seconds(packerBuilds[run].total)} s`;
    }
    console.log(round);
  }
  printTable(references, builds, imageBytes);
  if (packer !== undefined) printPackerTable(debianBuilds, packerBuilds);
}

/** `kiln platform-image import` of a raw disk into the data folder; seconds. */
async function importImage(data: string, raw: string, image: ImageName): Promise<number> {
  const [, took] = await timed(() =>
    execFileSync(
      process.execPath,
      [
        KILN,
        ...['platform-image', 'import', '--data', data, '--file', raw, '-o', 'none'],
        ...Object.entries(image).flatMap(([name, value]) => [`--${name}`, value]),
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    ),
  );
  return took;
}

/** The template on `image`, as a file in the work folder; its path. */
async function writeTemplate(name: string, image: ImageName): Promise<string> {
  const file = path.join(work, name);
  await writeFile(file, JSON.stringify(template(image), null, 2));
  return file;
}

/** The Debian base made, imported and templated, unless the comparison is skipped or Packer is missing. */
async function preparePackerComparison(data: string): Promise<PackerComparison | undefined> {
  if (values['skip-packer'] === true) {
    console.log('Packer comparison: skipped (--skip-packer)');
    return undefined;
  }
  const ready = packerReady();
  if ('missing' in ready) {
    console.log(`Packer comparison: skipped, ${ready.missing}`);
    return undefined;
  }
  const [debian, baseSeconds] = await timed(() => makeDebianBase(work, sizeMib));
  const importSeconds = await importImage(data, debian.raw, DEBIAN_IMAGE);
  console.log(`Packer comparison (${ready.version}, qemu builder, TCG): base ${debian.description}`);
  console.log(
    `setup (make the Debian base: ${baseSeconds.toFixed(1)} s; kiln platform-image import: ${importSeconds.toFixed(1)} s), not counted below`,
  );
  return { raw: debian.raw, template: await writeTemplate('bench-debian.json', DEBIAN_IMAGE) };
}

function total(run: ReferenceRun): number {
  return run.cp + run.sync + run.convert;
}

/** The plain-tools floor: copy the base, flush the copy, convert it to a fixed VHD as Azure wants it. */
async function reference(raw: string): Promise<ReferenceRun> {
  const copy = path.join(work, 'reference.raw');
  const vhd = path.join(work, 'reference.vhd');
  execFileSync('sync');
  const [, cp] = await timed(() => execFileSync('cp', [raw, copy]));
  const [, sync] = await timed(() => execFileSync('sync', [copy]));
  const [, convert] = await timed(() =>
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'vpc', '-o', 'subformat=fixed,force_size=on', copy, vhd]),
  );
  await rm(copy);
  await rm(vhd);
  return { cp, sync, convert };
}

/** One `kiln build`, timed from spawn to exit, with when each of its output lines arrived. */
async function kilnBuild(template: string, data: string, run: number): Promise<KilnRun> {
  const outputDir = path.join(work, `output-${run}`);
  const rssFile = path.join(work, 'rss');
  execFileSync('sync');
  const before = await writeCounts();
  const start = performance.now();
  const lines: Array<[number, string]> = [];
  const child = spawn(
    '/usr/bin/time',
    ['-f', '%M', '-o', rssFile, process.execPath, KILN, 'build', template, '--data', data, '--output-dir', outputDir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const now = performance.now();
    const parts = (pending + chunk.toString()).split('\n');
    pending = parts.pop()!;
    for (const line of parts) lines.push([now, line]);
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const end = performance.now();
  const after = await writeCounts();
  if (code !== 0) throw new Error(`kiln build exited ${code}:\n${lines.map(([, line]) => line).join('\n')}\n${stderr}`);
  const peakRss = Number((await readFile(rssFile, 'utf8')).trim()) * 1024;
  const outputBytes = (await stat(path.join(outputDir, 'vhd.vhd'))).size;
  await rm(outputDir, { recursive: true });

  const arrival = (pattern: RegExp) => lines.find(([, text]) => pattern.test(text))?.[0];
  const between = (from: number | undefined, to: number | undefined) =>
    from === undefined || to === undefined ? undefined : (to - from) / 1000;
  let previous = start;
  const phases = BEFORE_STEPS.map(([, pattern]) => {
    const at = arrival(pattern);
    const took = between(previous, at);
    previous = at ?? previous;
    return took;
  });
  for (const step of STEPS) {
    const done = lines.find(([, text]) => text.startsWith(`✓ ${step} (`))?.[1];
    phases.push(done === undefined ? undefined : Number(/\(([\d.]+) s\)$/.exec(done)?.[1]));
  }
  for (const [, from, to] of AFTER_STEPS) phases.push(between(arrival(from), arrival(to)));
  phases.push(between(arrival(AFTER_STEPS.at(-1)![2]), end));
  return {
    total: (end - start) / 1000,
    phases,
    writeBytes: after.writeBytes - before.writeBytes,
    peakRss,
    outputBytes,
  };
}

/** Table rows of seconds: the rounds, their median, and the median over `floor`; no median or ratio where a round has no value. */
function rowAgainst(floor: number): (name: string, values: Array<number | undefined>) => string[] {
  return (name, values) =>
    values.some((value) => value === undefined)
      ? [name, ...values.map(seconds), '', '']
      : [name, ...values.map(seconds), seconds(median(values as number[])), ratio(median(values as number[]) / floor)];
}

/** Kiln's rows: the build from spawn to exit, then its phases. */
function kilnRows(builds: KilnRun[], row: ReturnType<typeof rowAgainst>): string[][] {
  return [
    row(
      'kiln build, spawn to exit',
      builds.map((b) => b.total),
    ),
    ...PHASE_NAMES.map((name, i) =>
      row(
        `  ${name}`,
        builds.map((build) => build.phases[i]),
      ),
    ),
  ];
}

function printTable(references: ReferenceRun[], builds: KilnRun[], imageBytes: number): void {
  const floor = median(references.map(total));
  const row = rowAgainst(floor);
  console.log(`\nkiln build of the ${sizeMib} MiB base, VHD out, against the reference (${runs} rounds):\n`);
  console.log(
    markdownTable(
      ['step', ...builds.map((_, i) => `round ${i + 1} s`), 'median s', 'median / reference'],
      [
        row(
          'cp base',
          references.map((r) => r.cp),
        ),
        row(
          'sync the copy',
          references.map((r) => r.sync),
        ),
        row(
          'qemu-img convert -O vpc (fixed)',
          references.map((r) => r.convert),
        ),
        row('reference: cp + sync + qemu-img convert', references.map(total)),
        ...kilnRows(builds, row),
      ],
    ),
  );
  const written = median(builds.map((b) => b.writeBytes));
  console.log(
    `\nkiln build / reference: ${ratio(median(builds.map((b) => b.total)) / floor)} (median over median)` +
      `\nwrite_bytes of kiln build's process tree: ${builds.map((b) => mib(b.writeBytes)).join(', ')} MiB` +
      ` (median ${percent(written, imageBytes)} of the ${(imageBytes / MIB).toFixed(0)} MiB image)` +
      `\npeak RSS of kiln build (largest process of its tree): ${builds.map((b) => mib(b.peakRss)).join(', ')} MiB` +
      `\nits VHD output: ${builds[0].outputBytes} bytes`,
  );
}

/** Kiln and Packer on the Debian base, round by round, against Kiln's median. */
function printPackerTable(builds: KilnRun[], packerBuilds: PackerRun[]): void {
  const kiln = median(builds.map((b) => b.total));
  const row = rowAgainst(kiln);
  console.log(
    `\nkiln build and packer build of the ${sizeMib} MiB Debian base, the same Shell step, VHD out (${runs} rounds):\n`,
  );
  console.log(
    markdownTable(
      ['step', ...builds.map((_, i) => `round ${i + 1} s`), 'median s', 'median / kiln build'],
      [
        ...kilnRows(builds, row),
        row(
          'packer build + qemu-img convert, total',
          packerBuilds.map((p) => p.total),
        ),
        row(
          '  packer build, spawn to exit',
          packerBuilds.map((p) => p.packer),
        ),
        ...PACKER_PHASE_NAMES.map((name, i) =>
          row(
            `    ${name}`,
            packerBuilds.map((p) => p.phases[i]),
          ),
        ),
        row(
          '  qemu-img convert -O vpc (fixed) of its raw disk',
          packerBuilds.map((p) => p.convert),
        ),
      ],
    ),
  );
  console.log(
    `\npacker build / kiln build, Debian base: ${ratio(median(packerBuilds.map((p) => p.total)) / kiln)} (median over median; goal ≥ 30)` +
      `\nPacker's QEMU: ${packerBuilds[0].qemu}` +
      `\nits VHD output: ${packerBuilds[0].outputBytes} bytes; ${[...Object.keys(SHELL_STEP_LEAVES.files), ...SHELL_STEP_LEAVES.directories].join(' and ')} checked in each of its images`,
  );
}
