/**
 * `kiln build` as a user runs it (`node bin/kiln.js build`, a process of its own, over a data folder
 * where the base was imported with `kiln platform-image import`), VHD out, side by side with what the
 * same bytes cost with plain tools: `cp` of the base, `sync`, `qemu-img convert` to a fixed VHD
 * (issue 12 (b)). The base is the bootable disk grown to `--size-mib` (default 2048). The two are
 * timed in turn, `--runs` times each (default 3), each after a global `sync`; Kiln's phases come
 * from when its output lines arrive. Also reported: write_bytes of Kiln's process tree (this
 * process reaps it, so its /proc/self/io grows by the tree's) and its peak RSS (`/usr/bin/time`'s
 * maximum resident set: the largest single process of the tree). Usage and recorded runs:
 * bench/README.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { makeBootableBase } from './support/bootable-base.ts';
import { writeCounts } from './support/process-accounting.ts';
import { machine, markdownTable, median, MIB, mib, percent, ratio, seconds, timed } from './support/report.ts';

const { values } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '2048' },
    runs: { type: 'string', default: '3' },
    'skip-boot-check': { type: 'boolean' },
  },
});
const sizeMib = Number(values['size-mib']);
if (!Number.isSafeInteger(sizeMib) || sizeMib < 128)
  throw new Error(`--size-mib takes a whole number of MiB, at least 128, not '${values['size-mib']}'.`);
const runs = Number(values.runs);
if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`--runs takes a whole number, not '${values.runs}'.`);

const KILN = path.resolve('bin/kiln.js');
const IMAGE = { publisher: 'kiln-bench', offer: 'bootable', sku: 'base', version: '1.0.0' };
/** The template: the reference template's Shell step, one VHD out. */
const TEMPLATE = {
  location: 'westus',
  properties: {
    source: { type: 'PlatformImage', ...IMAGE },
    customize: [{ type: 'Shell', name: 'motd', inline: ['echo "built by kiln" > /etc/motd', 'mkdir -p /srv/app'] }],
    distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
  },
};
/**
 * Kiln's output, which `kiln build` prints from the run's customization.log as it is written (its
 * own lines indented; it reads the log every 100 ms): the build's steps, each timed by the build
 * itself (`✓ step (time)`, to 0.1 s), and the phases around them, timed from when the line that ends
 * each arrives (± 0.1 s).
 */
const STEPS = ['stage', 'source', 'motd', 'generalize', 'write image'];
const BEFORE_STEPS: Array<[string, RegExp]> = [
  ['start the CLI (node, tsx), read and check the template', /^Building image template /],
  ['open the data folder, queue the run, to the first step', /^==> stage$/],
];
const AFTER_STEPS: Array<[string, RegExp, RegExp]> = [
  ['distribute: the VHD into the region store', /^✓ write image /, /^ {4}Run Succeeded$/],
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

async function main(): Promise<void> {
  console.log(`${machine()}, dir ${work}`);
  const [base, baseSeconds] = await timed(() => makeBootableBase(work, sizeMib, values['skip-boot-check'] !== true));
  const data = path.join(work, 'data');
  const [, importSeconds] = await timed(() =>
    execFileSync(
      process.execPath,
      [
        KILN,
        ...['platform-image', 'import', '--data', data, '--file', base.raw, '-o', 'none'],
        ...Object.entries(IMAGE).flatMap(([name, value]) => [`--${name}`, value]),
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    ),
  );
  const template = path.join(work, 'bench.json');
  await writeFile(template, JSON.stringify(TEMPLATE, null, 2));
  const imageBytes = (await stat(base.raw)).size;
  console.log(`base image: ${base.description}`);
  if (base.bootSeconds !== undefined)
    console.log(`the base boots to its login prompt under QEMU (TCG) in ${base.bootSeconds.toFixed(1)} s`);
  console.log(
    `setup (make the base: ${baseSeconds.toFixed(1)} s; kiln platform-image import: ${importSeconds.toFixed(1)} s), not counted below\n`,
  );

  const references: ReferenceRun[] = [];
  const builds: KilnRun[] = [];
  for (let run = 0; run < runs; run += 1) {
    references.push(await reference(base.raw));
    builds.push(await kilnBuild(template, data, run));
    console.log(
      `round ${run + 1}: reference ${seconds(total(references[run]))} s, kiln build ${seconds(builds[run].total)} s`,
    );
  }
  printTable(references, builds, imageBytes);
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

function printTable(references: ReferenceRun[], builds: KilnRun[], imageBytes: number): void {
  const floor = median(references.map(total));
  const row = (name: string, values: number[]) => [
    name,
    ...values.map(seconds),
    seconds(median(values)),
    ratio(median(values) / floor),
  ];
  const phaseRow = (name: string, index: number) => {
    const values = builds.map((build) => build.phases[index]);
    return values.some((value) => value === undefined)
      ? [name, ...values.map(seconds), '', '']
      : row(name, values as number[]);
  };
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
        row(
          'kiln build, spawn to exit',
          builds.map((b) => b.total),
        ),
        ...PHASE_NAMES.map((name, i) => phaseRow(`  ${name}`, i)),
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
