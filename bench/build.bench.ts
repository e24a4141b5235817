/**
 * An image template build end to end through @azure/arm-imagebuilder against a started Kiln server,
 * from a base image of `--size-mib` MiB, step by step, side by side with `cp` of the base image on
 * the same disk. Usage and a recorded run: bench/README.md.
 */
import { ComputeManagementClient } from '@azure/arm-compute';
import { ImageBuilderClient, type ImageTemplate } from '@azure/arm-imagebuilder';
import { ResourceManagementClient } from '@azure/arm-resources';
import { BlockBlobClient } from '@azure/storage-blob';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomFill } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';
import { ensureTls } from '../src/app/tls.ts';
import { makeBusyboxBaseImage } from '../src/imaging/disk/base-image.ts';
import { findRootPartition, openRootInPlace, toFixedVhd } from '../src/imaging/disk/disk-image.ts';
import { startTestServer } from '../test/support/test-server.ts';

const MIB = 1024 * 1024;
const { values } = parseArgs({ options: { 'size-mib': { type: 'string', default: '1024' } } });
const sizeMib = Number(values['size-mib']);
if (!Number.isSafeInteger(sizeMib) || sizeMib < 64)
  throw new Error(`--size-mib takes a whole number of MiB, at least 64, not '${values['size-mib']}'.`);
/** The base image's root file system holds half its size in incompressible data, in this many files. */
const DATA_FILES = 4;
const dataFileMib = Math.floor(sizeMib / 2 / DATA_FILES);

// The server's certificate comes from the test CA (test/support/test-server.ts). Node reads
// NODE_EXTRA_CA_CERTS once, when it starts, so without it set the benchmark runs itself again with it.
const tlsDir = process.env.KILN_TEST_TLS_DIR ?? path.join(os.tmpdir(), 'kiln-test-ca', 'tls');
const caPath = path.join(tlsDir, 'ca.pem');
if (process.env.KILN_TEST_TLS_DIR !== tlsDir || process.env.NODE_EXTRA_CA_CERTS !== caPath) {
  if (!existsSync(caPath)) await ensureTls(path.dirname(tlsDir));
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, KILN_TEST_TLS_DIR: tlsDir, NODE_EXTRA_CA_CERTS: caPath },
  });
  process.exitCode = await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
} else {
  await main();
}

async function timed<T>(run: () => Promise<T> | T): Promise<[T, number]> {
  const start = performance.now();
  const result = await run();
  return [result, (performance.now() - start) / 1000];
}

/**
 * The base disk: Kiln's busybox image of `sizeMib` MiB, the data files written into its root file
 * system opened in place, then as a fixed VHD. The VHD is made dense (every byte allocated, as an
 * uploaded or downloaded image is), so `cp` really copies all of it.
 */
async function makeBaseVhd(work: string): Promise<string> {
  const raw = path.join(work, 'base.raw');
  await makeBusyboxBaseImage(raw, { sizeMiB: sizeMib });
  const root = await openRootInPlace(raw, await findRootPartition(raw), path.join(work, 'base-root'));
  try {
    const dataDir = path.join(root.path, 'srv/bench-data');
    await mkdir(dataDir, { recursive: true });
    const chunk = Buffer.alloc(4 * MIB);
    for (let i = 0; i < DATA_FILES; i += 1) {
      const file = await open(path.join(dataDir, `data-${i}.bin`), 'wx');
      try {
        for (let written = 0; written < dataFileMib * MIB; written += chunk.length) {
          await promisify(randomFill)(chunk);
          await file.write(chunk, 0, Math.min(chunk.length, dataFileMib * MIB - written));
        }
      } finally {
        await file.close();
      }
    }
  } finally {
    await root.close();
  }
  const sparse = path.join(work, 'base-sparse.vhd');
  await toFixedVhd(raw, sparse, undefined, { consume: true });
  const vhd = path.join(work, 'base.vhd');
  execFileSync('cp', ['--sparse=never', sparse, vhd]);
  await rm(sparse);
  return vhd;
}

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

async function main(): Promise<void> {
  // Job events give when the gallery version's replication job ran, to the millisecond.
  const jobEvents: Array<{ event: string; task: string; at: number }> = [];
  const kiln = await startTestServer({
    onJobEvent: (e) => jobEvents.push({ event: e.event, task: e.task, at: Date.parse(e.at) }),
  });
  const work = await mkdtemp(path.join(os.tmpdir(), 'kiln-bench-build-'));
  const CONFIG = 'listen=8080\n';
  const files = createServer((request, response) => {
    const body = request.url === '/app.conf' ? CONFIG : undefined;
    response.writeHead(body === undefined ? 404 : 200).end(body);
  });
  try {
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    const filesUrl = `http://127.0.0.1:${(files.address() as { port: number }).port}`;
    const options = { endpoint: kiln.url };
    const builder = new ImageBuilderClient(kiln.credential, kiln.subscriptionId, options);
    const compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, options);
    const rg = 'bench';
    console.log(
      `base image ${sizeMib} MiB (busybox root + ${DATA_FILES} files of ${dataFileMib} MiB random data), fixed VHD`,
    );
    console.log(
      `${os.availableParallelism()} CPUs (${os.cpus()[0]?.model}), ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, node ${process.version}, dirs ${work} and ${kiln.dataDir}`,
    );

    const [vhd, baseSeconds] = await timed(() => makeBaseVhd(work));
    const vhdSize = (await stat(vhd)).size;
    const [imageId, uploadSeconds] = await timed(async () => {
      await new ResourceManagementClient(kiln.credential, kiln.subscriptionId, options).resourceGroups.createOrUpdate(
        rg,
        { location: 'westus' },
      );
      // As `az storage blob upload --auth-mode login` does: one Put Blob with a storage token.
      const blobUri = `${kiln.url}/blob/westus/vhds/base.vhd`;
      await new BlockBlobClient(blobUri, kiln.credential).upload(() => createReadStream(vhd), vhdSize);
      const image = await compute.images.createOrUpdate(rg, 'base', {
        location: 'westus',
        storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
      });
      return image.id!;
    });
    await compute.galleries.createOrUpdate(rg, 'golden', { location: 'westus' });
    const galleryImage = await compute.galleryImages.createOrUpdate(rg, 'golden', 'app', {
      location: 'westus',
      osType: 'Linux',
      osState: 'Generalized',
      identifier: { publisher: 'kiln', offer: 'app', sku: '1' },
    });
    console.log(
      `setup (make the base VHD: ${baseSeconds.toFixed(1)} s; upload it and make a managed image: ${uploadSeconds.toFixed(1)} s), not counted below`,
    );

    // The floor: the base image's bytes copied once on the same disk, then fsynced as the region
    // stores do. The median of three, each after a global sync so no earlier writes are flushed
    // inside the timing.
    const copy = path.join(work, 'cp-copy.vhd');
    const rounds: Array<[number, number]> = [];
    for (let round = 0; round < 3; round += 1) {
      execFileSync('sync');
      const [, cp] = await timed(() => execFileSync('cp', [vhd, copy]));
      const [, sync] = await timed(() => execFileSync('sync', [copy]));
      rounds.push([cp, sync]);
      await rm(copy);
    }
    const median = (numbers: number[]) => numbers.sort((a, b) => a - b)[1];
    const cpSeconds = median(rounds.map(([cp]) => cp));
    const cpSyncSeconds = median(rounds.map(([cp, sync]) => cp + sync));
    console.log(
      `cp rounds (cp + sync): ${rounds.map(([cp, sync]) => `${cp.toFixed(2)} + ${sync.toFixed(2)} s`).join(', ')}\n`,
    );
    execFileSync('sync');

    const template: ImageTemplate = {
      location: 'westus',
      identity: { type: 'None' },
      source: { type: 'ManagedImage', imageId },
      customize: [
        { type: 'Shell', name: 'motd', inline: ['echo "built by kiln" > /etc/motd', 'mkdir -p /srv/app'] },
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
    await builder.virtualMachineImageTemplates.createOrUpdate(rg, 'app', template);

    // The client's view: from the run request to the template's lastRunStatus leaving Running. The
    // loop also watches the gallery version the run makes, to see when each region completes.
    const regionDone = new Map<string, number>();
    const [status, clientSeconds] = await timed(async () => {
      const poller = builder.virtualMachineImageTemplates.run(rg, 'app');
      await poller.submitted();
      for (;;) {
        const last = (await builder.virtualMachineImageTemplates.get(rg, 'app')).lastRunStatus;
        if (last?.runState !== undefined && last.runState !== 'Running') {
          await poller.catch(() => undefined);
          return last;
        }
        if (last?.runSubState === 'Distributing') {
          const version = await compute.galleryImageVersions
            .get(rg, 'golden', 'app', '1.0.0', { expand: 'ReplicationStatus' })
            .catch(() => undefined);
          for (const region of version?.replicationStatus?.summary ?? []) {
            const name = region.region!.toLowerCase().replace(/ /g, '');
            if (region.state === 'Completed' && !regionDone.has(name)) regionDone.set(name, Date.now());
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
    if (status.runState !== 'Succeeded') throw new Error(`the run ended ${status.runState}: ${status.message}`);

    const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
    const templateId = `/subscriptions/${kiln.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.VirtualMachineImages/imageTemplates/app`;
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
      return { seconds: (succeeded.at - started.at) / 1000, end: succeeded.at };
    };
    const first = (prefix: string) => {
      const line = log.find((l) => l.text.startsWith(prefix));
      if (!line) throw new Error(`customization.log has no line starting '${prefix}'`);
      return line.at;
    };

    const buildStart = log[0].at;
    const runEnd = first('Run Succeeded');
    const source = step('source');
    const sourceStart = source.end - source.seconds * 1000;
    const fetched = first('Fetching the source:');
    const raw = first('Source is ');
    const written = step('write image').end;
    const distributing = log.filter((l) => l.text.startsWith('Distributing to ')).at(-1)?.at;
    if (distributing === undefined) throw new Error("customization.log has no 'Distributing to' line");
    const versionJob = (event: string) => {
      const found = jobEvents.find((e) => e.task === 'galleryVersion.replicate' && e.event === event);
      if (!found) throw new Error(`no '${event}' event for the gallery version's replication job`);
      return found.at;
    };
    const versionClaimed = versionJob('claimed');
    const versionFinished = versionJob('finished');
    const logSeconds = (runEnd - buildStart) / 1000;

    const columns = ['step', 'time s', 'of build', 'time / cp'];
    const widths = [52, 8, 8, 9];
    const line = (cells: string[]) =>
      console.log(
        `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`,
      );
    const print = (name: string, seconds: number) =>
      line([
        name,
        seconds.toFixed(2),
        `${((seconds / logSeconds) * 100).toFixed(0)}%`,
        (seconds / cpSeconds).toFixed(2),
      ]);
    line(columns);
    line(widths.map((width, i) => (i === 0 ? '-'.repeat(width) : `${'-'.repeat(width - 1)}:`)));
    print(`cp base VHD, ${(vhdSize / MIB).toFixed(0)} MiB (the floor)`, cpSeconds);
    print('cp base VHD + sync', cpSyncSeconds);
    print('stage (staging resource group)', step('stage').seconds);
    print('source', source.seconds);
    print('  fetch the managed image blob to a file', (fetched - sourceStart) / 1000);
    print('  to raw (in place for a fixed VHD), find the root partition', (raw - fetched) / 1000);
    print('  extract the root file system (debugfs rdump)', (source.end - raw) / 1000);
    print("Shell 'motd'", step('motd').seconds);
    print("File 'config'", step('config').seconds);
    print('generalize', step('generalize').seconds);
    print('write image (mkfs.ext4 -d, fixed VHD)', step('write image').seconds);
    print('distribution (write image end → run end)', (runEnd - written) / 1000);
    print('  put the VHD into the westus store, start targets', (distributing - written) / 1000);
    print('  gallery version job waits for the worker', (versionClaimed - distributing) / 1000);
    print('  gallery version job', (versionFinished - versionClaimed) / 1000);
    // Where ingest ends inside the job is only seen by polling, so these two are ± 0.2 s.
    const westus = regionDone.get('westus');
    if (westus !== undefined && westus > versionClaimed && westus < versionFinished) {
      print('    ingest into westus chunks (≈, polled)', (westus - versionClaimed) / 1000);
      print('    replicate westus → eastus (≈, polled)', (versionFinished - westus) / 1000);
    }
    print('  run outputs recorded (finishRun)', (runEnd - versionFinished) / 1000);
    print('build total (first → last customization.log line)', logSeconds);
    print('build total, client (run request → Succeeded seen)', clientSeconds);
    const version = await compute.galleryImageVersions.get(rg, 'golden', 'app', '1.0.0', {
      expand: 'ReplicationStatus',
    });
    console.log('');
    for (const region of version.replicationStatus?.summary ?? [])
      console.log(`gallery version 1.0.0 in ${region.region}: ${region.state}, ${region.details}`);
    console.log(
      `\nbuild / cp: ${(logSeconds / cpSeconds).toFixed(1)}; build / (cp + sync): ${(logSeconds / cpSyncSeconds).toFixed(1)}`,
    );
    console.log(
      `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (server and benchmark in one process)`,
    );
  } finally {
    files.close();
    await kiln.stop();
    await rm(work, { recursive: true, force: true });
  }
}
