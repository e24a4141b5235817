/**
 * An image template build end to end through @azure/arm-imagebuilder against a Kiln server started
 * in this process, from a bootable base image of each `--size-mib` (default 1024 and 2048), side by
 * side with `cp` + `sync` of the base image on the same disk. For each size it reports, for two runs
 * of the same template (the first into an empty eastus, the second a rebuild):
 *   - each step's time and its ratio to `cp` + `sync` (issue 12 (a));
 *   - the bytes the build wrote: new files in the data folder's region stores, and write_bytes of
 *     this process tree from /proc/self/io, per phase (issue 12 (c));
 *   - the process's peak RSS during the run (issue 12 (e));
 * and the time to create and delete an empty 32,767 GiB managed disk (issue 12 (d)); then a summary
 * of the goals over the sizes. Usage and recorded runs: bench/README.md.
 */
import { ComputeManagementClient } from '@azure/arm-compute';
import { ImageBuilderClient, type ImageTemplate } from '@azure/arm-imagebuilder';
import { ResourceManagementClient } from '@azure/arm-resources';
import { BlockBlobClient } from '@azure/storage-blob';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { toFixedVhd } from '../src/imaging/disk/disk-image.ts';
import { startTestServer, type TestServer } from '../test/support/test-server.ts';
import { makeBootableBase } from './support/bootable-base.ts';
import { underTestCa } from './support/test-ca-env.ts';
import { peakRssBytes, resetPeakRss } from '../test/support/peak-rss.ts';
import { sampleWrites, writeCounts, type WriteCounts } from './support/process-accounting.ts';
import { machine, markdownTable, median, MIB, mib, percent, ratio, seconds, timed } from './support/report.ts';
import { newBytes, takeCensus, type NewBytes } from './support/store-census.ts';

const { values } = parseArgs({
  options: { 'size-mib': { type: 'string', multiple: true }, 'skip-boot-check': { type: 'boolean' } },
});
const sizes = (values['size-mib'] ?? ['1024', '2048']).map((text) => {
  const size = Number(text);
  if (!Number.isSafeInteger(size) || size < 128)
    throw new Error(`--size-mib takes a whole number of MiB, at least 128, not '${text}'.`);
  return size;
});
/** What the template's Shell step changes in the image: this many MiB of new random data. */
const SHELL_WRITE_MIB = 10;
const RUNS = 2;
const EMPTY_DISK_GB = 32767;
const EMPTY_DISK_ROUNDS = 3;
const RG = 'bench';
/** How often write_bytes is sampled during a run, to split it into phases. */
const WRITE_SAMPLE_MS = 25;

await underTestCa(main);

/** One line of customization.log: its time and its text. */
interface LogLine {
  at: number;
  text: string;
}

function parseLog(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const space = line.indexOf(' ');
      const at = Date.parse(line.slice(0, space));
      if (Number.isNaN(at)) throw new Error(`customization.log line without a time: ${line}`);
      return { at, text: line.slice(space + 1) };
    });
}

interface RunResult {
  /** [row name, seconds] in table order; undefined where the log has no line to split at. */
  rows: Array<[string, number | undefined]>;
  logSeconds: number;
  store: NewBytes;
  written: WriteCounts;
  /** [phase, bytes] of write_bytes, split at log lines (interpolated between samples every WRITE_SAMPLE_MS). */
  writtenByPhase: Array<[string, number]>;
  peakRss: number;
  replication: string[];
}

interface SizeResult {
  sizeMib: number;
  imageBytes: number;
  cpSyncSeconds: number;
  runs: RunResult[];
  emptyDisk: EmptyDiskRounds;
}

async function main(): Promise<void> {
  console.log(machine());
  const results: SizeResult[] = [];
  for (const sizeMib of sizes) results.push(await benchSize(sizeMib));
  printSummary(results);
  console.log(
    `\npeak RSS of this process over the whole benchmark (setup included): ${mib(process.resourceUsage().maxRSS * 1024)} MiB`,
  );
}

/** The Kiln side of one size: the server, its clients, the run's job events. */
interface Bench {
  kiln: TestServer;
  builder: ImageBuilderClient;
  compute: ComputeManagementClient;
  jobEvents: Array<{ event: string; task: string; at: number }>;
}

async function benchSize(sizeMib: number): Promise<SizeResult> {
  console.log(`\n## ${sizeMib} MiB\n`);
  // Job events give when the gallery version's replication job ran, to the millisecond.
  const jobEvents: Bench['jobEvents'] = [];
  // The File step's file comes from a local HTTP server, which the server is told to trust.
  const CONFIG = 'listen=8080\n';
  const files = createServer((request, response) => {
    const body = request.url === '/app.conf' ? CONFIG : undefined;
    response.writeHead(body === undefined ? 404 : 200).end(body);
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  const filesHost = `127.0.0.1:${(files.address() as { port: number }).port}`;
  const kiln = await startTestServer({
    onJobEvent: (e) => jobEvents.push({ event: e.event, task: e.task, at: Date.parse(e.at) }),
    config: { build: { downloads: { allowHosts: [filesHost] } } },
  });
  const work = await mkdtemp(path.join(os.tmpdir(), 'kiln-bench-build-'));
  try {
    const filesUrl = `http://${filesHost}`;
    const options = { endpoint: kiln.url };
    const bench: Bench = {
      kiln,
      jobEvents,
      builder: new ImageBuilderClient(kiln.credential, kiln.subscriptionId, options),
      compute: new ComputeManagementClient(kiln.credential, kiln.subscriptionId, options),
    };
    const { compute, builder } = bench;
    console.log(`dirs ${work} and ${kiln.dataDir}`);

    const [base, baseSeconds] = await timed(async () => {
      const made = await makeBootableBase(work, sizeMib, values['skip-boot-check'] !== true);
      // The dense raw disk becomes the VHD in place (rename, footer appended), so it stays dense.
      const vhd = path.join(work, 'base.vhd');
      await toFixedVhd(made.raw, vhd, undefined, { consume: true });
      return { ...made, vhd };
    });
    const imageBytes = (await stat(base.vhd)).size;
    console.log(`base image: ${base.description}, as a fixed VHD of ${imageBytes} bytes`);
    if (base.bootSeconds !== undefined)
      console.log(`the base boots to its login prompt under QEMU (TCG) in ${base.bootSeconds.toFixed(1)} s`);

    const [imageId, uploadSeconds] = await timed(async () => {
      await new ResourceManagementClient(kiln.credential, kiln.subscriptionId, options).resourceGroups.createOrUpdate(
        RG,
        { location: 'westus' },
      );
      // As `az storage blob upload --auth-mode login` does: one Put Blob with a storage token.
      const blobUri = `${kiln.url}/blob/westus/vhds/base.vhd`;
      await new BlockBlobClient(blobUri, kiln.credential).upload(() => createReadStream(base.vhd), imageBytes);
      const image = await compute.images.createOrUpdate(RG, 'base', {
        location: 'westus',
        storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
      });
      return image.id!;
    });
    await compute.galleries.createOrUpdate(RG, 'golden', { location: 'westus' });
    const galleryImage = await compute.galleryImages.createOrUpdate(RG, 'golden', 'app', {
      location: 'westus',
      osType: 'Linux',
      osState: 'Generalized',
      identifier: { publisher: 'kiln', offer: 'app', sku: '1' },
    });
    console.log(
      `setup (make the base: ${baseSeconds.toFixed(1)} s; upload it into westus and make a managed image: ${uploadSeconds.toFixed(1)} s), not counted below`,
    );

    // The floor: the base image's bytes copied once on the same disk, then fsynced as the region
    // stores do. The median of three, each after a global sync so no earlier writes are flushed
    // inside the timing.
    const copy = path.join(work, 'cp-copy.vhd');
    const rounds: Array<[number, number]> = [];
    for (let round = 0; round < 3; round += 1) {
      execFileSync('sync');
      const [, cp] = await timed(() => execFileSync('cp', [base.vhd, copy]));
      const [, sync] = await timed(() => execFileSync('sync', [copy]));
      rounds.push([cp, sync]);
      await rm(copy);
    }
    const cpSeconds = median(rounds.map(([cp]) => cp));
    const cpSyncSeconds = median(rounds.map(([cp, sync]) => cp + sync));
    console.log(
      `cp rounds (cp + sync): ${rounds.map(([cp, sync]) => `${cp.toFixed(2)} + ${sync.toFixed(2)} s`).join(', ')}`,
    );

    const template: ImageTemplate = {
      location: 'westus',
      identity: { type: 'None' },
      source: { type: 'ManagedImage', imageId },
      customize: [
        {
          type: 'Shell',
          name: 'motd',
          inline: [
            'echo "built by kiln" > /etc/motd',
            'mkdir -p /srv/app',
            `head -c ${SHELL_WRITE_MIB * MIB} /dev/urandom > /srv/app/data.bin`,
          ],
        },
        {
          type: 'File',
          name: 'config',
          sourceUri: `${filesUrl}/app.conf`,
          destination: '/tmp/app.conf',
          sha256Checksum: createHash('sha256').update(CONFIG).digest('hex'),
        },
      ],
      distribute: [
        { type: 'VHD', runOutputName: 'vhd' },
        {
          type: 'SharedImage',
          runOutputName: 'gallery',
          galleryImageId: galleryImage.id!,
          targetRegions: [{ name: 'westus' }, { name: 'eastus' }],
        },
      ],
    };
    await builder.virtualMachineImageTemplates.createOrUpdate(RG, 'app', template);

    const runs: RunResult[] = [];
    for (let run = 0; run < RUNS; run += 1) runs.push(await measureRun(bench));

    const emptyDisk = await emptyDiskRounds(compute);
    const result: SizeResult = { sizeMib, imageBytes, cpSyncSeconds, runs, emptyDisk };
    printSize(result, cpSeconds);
    return result;
  } finally {
    files.close();
    await kiln.stop();
    await rm(work, { recursive: true, force: true });
  }
}

interface EmptyDiskRounds {
  create: number[];
  remove: number[];
  /** Why a create or delete failed; the rounds stop there. */
  error?: string;
}

/** Creates and deletes an empty EMPTY_DISK_GB disk through the SDK, EMPTY_DISK_ROUNDS times. */
async function emptyDiskRounds(compute: ComputeManagementClient): Promise<EmptyDiskRounds> {
  const rounds: EmptyDiskRounds = { create: [], remove: [] };
  try {
    for (let round = 0; round < EMPTY_DISK_ROUNDS; round += 1) {
      const [, create] = await timed(() =>
        compute.disks.beginCreateOrUpdateAndWait(RG, 'empty', {
          location: 'westus',
          creationData: { createOption: 'Empty' },
          diskSizeGB: EMPTY_DISK_GB,
        }),
      );
      rounds.create.push(create);
      const [, remove] = await timed(() => compute.disks.beginDeleteAndWait(RG, 'empty'));
      rounds.remove.push(remove);
    }
  } catch (error) {
    rounds.error = (error as Error).message;
  }
  return rounds;
}

/** Runs the template once, watching it from the client's side, and reads what it cost. */
async function measureRun(bench: Bench): Promise<RunResult> {
  const { kiln, builder, compute } = bench;
  const versionsBefore = new Set<string>();
  for await (const version of compute.galleryImageVersions.listByGalleryImage(RG, 'golden', 'app'))
    versionsBefore.add(version.name!);
  const storeBefore = await takeCensus(kiln.dataDir);
  execFileSync('sync');
  const writtenBefore = await writeCounts();
  const sampler = sampleWrites(WRITE_SAMPLE_MS);
  await resetPeakRss();

  // The client's view: from the run request to the template's lastRunStatus leaving Running. The
  // loop also watches the gallery version the run makes, to see when each region completes.
  const runStart = Date.now();
  const regionDone = new Map<string, number>();
  let version: string | undefined;
  const [status, clientSeconds] = await timed(async () => {
    const poller = builder.virtualMachineImageTemplates.run(RG, 'app');
    await poller.submitted();
    for (;;) {
      const last = (await builder.virtualMachineImageTemplates.get(RG, 'app')).lastRunStatus;
      if (last?.runState !== undefined && last.runState !== 'Running') {
        await poller.catch(() => undefined);
        return last;
      }
      if (last?.runSubState === 'Distributing') {
        if (version === undefined)
          for await (const v of compute.galleryImageVersions.listByGalleryImage(RG, 'golden', 'app'))
            if (!versionsBefore.has(v.name!)) version = v.name!;
        const found =
          version &&
          (await compute.galleryImageVersions
            .get(RG, 'golden', 'app', version, { expand: 'ReplicationStatus' })
            .catch(() => undefined));
        for (const region of (found && found.replicationStatus?.summary) || []) {
          const name = region.region!.toLowerCase().replace(/ /g, '');
          if (region.state === 'Completed' && !regionDone.has(name)) regionDone.set(name, Date.now());
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  if (status.runState !== 'Succeeded') throw new Error(`the run ended ${status.runState}: ${status.message}`);
  const written = await writeCounts();
  const sampledUntil = Date.now();
  sampler.stop();
  const peakRss = await peakRssBytes();
  const store = newBytes(storeBefore, await takeCensus(kiln.dataDir));

  const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
  const templateId = `/subscriptions/${kiln.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.VirtualMachineImages/imageTemplates/app`;
  const response = await fetch(`${kiln.url}${templateId}/customizationLog?api-version=2025-10-01`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw new Error(`customizationLog answered ${response.status}: ${await response.text()}`);
  const log = parseLog(await response.text());

  /** A step's run time: from its `==> step: started` line to its `==> step: succeeded in` line (their timestamps). */
  const step = (name: string) => {
    const started = log.find((line) => line.text === `==> ${name}: started`);
    const succeeded = log.find((line) => line.text.startsWith(`==> ${name}: succeeded in `));
    if (!started || !succeeded) throw new Error(`customization.log has no '==> ${name}: started/succeeded' lines`);
    return { start: started.at, end: succeeded.at, seconds: (succeeded.at - started.at) / 1000 };
  };
  /** When the first line starting `prefix` was written; undefined when the log has none (its wording changed). */
  const first = (prefix: string) => log.find((l) => l.text.startsWith(prefix))?.at;
  const between = (from: number | undefined, to: number | undefined) =>
    from === undefined || to === undefined ? undefined : (to - from) / 1000;

  const buildStart = log[0].at;
  const runEnd = first('Run Succeeded');
  if (runEnd === undefined) throw new Error("customization.log has no 'Run Succeeded' line");
  const source = step('source');
  const generalize = step('generalize');
  const writeImage = step('write image');
  const storeImage = step('store image');
  // The source is read where it is (an overlay) or fetched: the log says which.
  const sourceFound = first('Source: ') ?? first('Fetching the source:');
  const distributing = log.filter((l) => l.text.startsWith('Distributing to ')).at(-1)?.at;
  const versionJob = (event: string) =>
    bench.jobEvents.find((e) => e.task === 'galleryVersion.replicate' && e.event === event && e.at >= runStart)?.at;
  const versionClaimed = versionJob('claimed');
  const versionFinished = versionJob('finished');
  // Where ingest ends inside the job is only seen by polling, so these two are ± 0.2 s.
  const westus = regionDone.get('westus');
  const ingestSeen =
    westus !== undefined && versionClaimed !== undefined && versionFinished !== undefined && westus > versionClaimed
      ? westus
      : undefined;
  const logSeconds = (runEnd - buildStart) / 1000;
  const rows: RunResult['rows'] = [
    ['stage (staging resource group)', step('stage').seconds],
    ['source', source.seconds],
    ["  find it, mount the run's bounded space", between(source.start, sourceFound)],
    [
      first('Source: ') ? '  open the copy-on-write overlay over it' : '  fetch it to a file, to raw',
      between(sourceFound, first('Source is ')),
    ],
    ['  find the root, e2fsck -fn, open it in place (fuse2fs)', between(first('Source is '), source.end)],
    [`Shell 'motd' (writes ${SHELL_WRITE_MIB} MiB)`, step('motd').seconds],
    ["File 'config'", step('config').seconds],
    ['generalize', generalize.seconds],
    ['write image', writeImage.seconds],
    ['  close the root (fuse2fs writes back), e2fsck -fn', between(writeImage.start, first('Root file system closed'))],
    ['  list the changed chunks (qemu-img map)', between(first('Root file system closed'), writeImage.end)],
    ['store image (its changed chunks into the westus store)', storeImage.seconds],
    ['distribution (store image end → run end)', between(storeImage.end, runEnd)],
    ['  start the targets', between(storeImage.end, distributing)],
    ['  gallery version job waits for the worker', between(distributing, versionClaimed)],
    ['  gallery version job', between(versionClaimed, versionFinished)],
    ['    ingest into westus (≈, polled)', between(versionClaimed, ingestSeen)],
    ['    replicate westus → eastus (≈, polled)', between(ingestSeen, versionFinished)],
    ['  run outputs recorded (finishRun)', between(versionFinished, runEnd)],
    ['build total (first → last customization.log line)', logSeconds],
    ['build total, client (run request → Succeeded seen)', clientSeconds],
  ];

  const phase = (name: string, from: number, to: number): [string, number] => [name, sampler.at(to) - sampler.at(from)];
  const writtenByPhase = [
    phase('  before the log starts (job pickup)', runStart, buildStart),
    phase('  stage, source', buildStart, source.end),
    phase('  Shell, File, generalize', source.end, generalize.end),
    phase('  write image', generalize.end, writeImage.end),
    phase('  store image', writeImage.end, storeImage.end),
    phase('  distribution', storeImage.end, runEnd),
    phase('  after the log ends (polling)', runEnd, sampledUntil),
  ];

  const replication: string[] = [];
  if (version !== undefined) {
    const made = await compute.galleryImageVersions.get(RG, 'golden', 'app', version, { expand: 'ReplicationStatus' });
    for (const region of made.replicationStatus?.summary ?? [])
      replication.push(`gallery version ${version} in ${region.region}: ${region.state}, ${region.details}`);
  }
  return {
    rows,
    logSeconds,
    store,
    written: {
      writeBytes: written.writeBytes - writtenBefore.writeBytes,
      cancelledWriteBytes: written.cancelledWriteBytes - writtenBefore.cancelledWriteBytes,
    },
    writtenByPhase,
    peakRss,
    replication,
  };
}

function printSize(result: SizeResult, cpSeconds: number): void {
  const { runs, cpSyncSeconds, imageBytes } = result;
  const perRun = (cells: (run: RunResult) => string[]) => runs.flatMap(cells);
  const runHeader = (label: (n: number) => string[]) => runs.flatMap((_, i) => label(i + 1));

  console.log(`\nStep times (${RUNS} runs of the template; run 1 finds eastus empty, run 2 is a rebuild):\n`);
  const reference = (name: string, value: number) => [
    name,
    ...perRun(() => [seconds(value), ratio(value / cpSyncSeconds)]),
  ];
  console.log(
    markdownTable(
      ['step', ...runHeader((n) => [`run ${n} s`, `run ${n} / (cp + sync)`])],
      [
        reference(`cp base VHD, ${(imageBytes / MIB).toFixed(0)} MiB`, cpSeconds),
        reference('cp base VHD + sync (the reference)', cpSyncSeconds),
        ...runs[0].rows.map(([name], row) => [
          name,
          ...perRun((run) => {
            const value = run.rows[row][1];
            return [seconds(value), value === undefined ? '' : ratio(value / cpSyncSeconds)];
          }),
        ]),
      ],
    ),
  );

  console.log(`\nBytes written by each run, against the image's ${imageBytes} bytes:\n`);
  const places = [...new Set(runs.flatMap((run) => [...run.store.places.keys()]))].sort();
  const bytesRow = (name: string, value: (run: RunResult) => number | undefined) => [
    name,
    ...perRun((run) => [mib(value(run)), percent(value(run), imageBytes)]),
  ];
  console.log(
    markdownTable(
      ['bytes', ...runHeader((n) => [`run ${n} MiB`, `run ${n} % of image`])],
      [
        ...places.map((place) =>
          bytesRow(`new in the region stores: ${place}/`, (run) => run.store.places.get(place)?.bytes ?? 0),
        ),
        bytesRow('new in the region stores, total', (run) => run.store.total),
        bytesRow('write_bytes of the Kiln process tree (/proc/self/io)', (run) => run.written.writeBytes),
        ...runs[0].writtenByPhase.map(([name], row) => bytesRow(name, (run) => run.writtenByPhase[row][1])),
        bytesRow('cancelled_write_bytes (deleted before writeback)', (run) => run.written.cancelledWriteBytes),
      ],
    ),
  );
  console.log('');
  runs.forEach((run, i) => run.replication.forEach((line) => console.log(`run ${i + 1}: ${line}`)));
  console.log(
    `\npeak RSS of the process (server and benchmark) during each run: ${runs.map((run) => `${mib(run.peakRss)} MiB`).join(', ')}`,
  );
  const { create, remove, error } = result.emptyDisk;
  console.log(
    `empty ${EMPTY_DISK_GB} GiB disk (${EMPTY_DISK_ROUNDS} rounds): create ${create.map(seconds).join(', ')} s; delete ${remove.map(seconds).join(', ')} s${error ? `; failed: ${error}` : ''}`,
  );
}

function printSummary(results: SizeResult[]): void {
  console.log('\n## Goals (issue 12)\n');
  const row = (name: string, goal: string, value: (result: SizeResult) => string) => [
    name,
    ...results.map(value),
    goal,
  ];
  const lastRun = (result: SizeResult) => result.runs[result.runs.length - 1];
  console.log(
    markdownTable(
      ['measure', ...results.map((result) => `${result.sizeMib} MiB`), 'goal'],
      [
        ...results[0].runs.map((_, i) =>
          row(`(a) build total / (cp + sync), run ${i + 1}${i === 0 ? '' : ' (rebuild)'}`, '≤ 2', (r) =>
            ratio(r.runs[i].logSeconds / r.cpSyncSeconds),
          ),
        ),
        row('(c) new bytes in the region stores, rebuild, % of image', '≤ 3%', (r) =>
          percent(lastRun(r).store.total, r.imageBytes),
        ),
        row('(c) write_bytes of the Kiln process tree, rebuild, % of image', '≤ 3%', (r) =>
          percent(lastRun(r).written.writeBytes, r.imageBytes),
        ),
        row(`(d) create an empty ${EMPTY_DISK_GB} GiB disk, median s`, '< 1 s', (r) =>
          r.emptyDisk.create.length > 0 ? seconds(median(r.emptyDisk.create)) : 'failed',
        ),
        row(`(d) delete it, median s`, '', (r) =>
          r.emptyDisk.remove.length > 0 ? seconds(median(r.emptyDisk.remove)) : 'failed',
        ),
        row('(e) peak RSS during a build, MiB (largest of the runs)', 'flat', (r) =>
          mib(Math.max(...r.runs.map((run) => run.peakRss))),
        ),
      ],
    ),
  );
}
