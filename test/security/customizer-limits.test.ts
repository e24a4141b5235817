/**
 * Issue 10, point 9 (processes, memory, CPU): a customizer that forks without end or allocates far
 * more than it may is stopped, and its run fails naming the limit and its setting in config.json; the
 * CPU limit is a quota the kernel throttles by. Cgroups a killed Kiln left behind are swept.
 */
import { ComputeManagementClient } from '@azure/arm-compute';
import { ImageBuilderClient } from '@azure/arm-imagebuilder';
import { ResourceManagementClient } from '@azure/arm-resources';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { makeBusyboxBaseImage } from '../../src/imaging/disk/base-image.ts';
import { toFixedVhd } from '../../src/imaging/disk/disk-image.ts';
import { runInSandbox } from '../../src/imaging/sandbox.ts';
import { readCustomizationLog } from '../support/customization-log.ts';
import { putRegionBlob } from '../support/disk-data.ts';
import { makeBusyboxRootFs } from '../support/rootfs.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const LIMITS = { processes: 32, memoryMiB: 64, cpus: 0.2 };
const rg = 'limits';
const work = mkdtempSync(join(tmpdir(), 'kiln-limits-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** This process's cgroup folder in the hierarchy holding `controller` (v1), or its v2 folder. */
function ownCgroupDir(controller: string): string {
  const lines = readFileSync('/proc/self/cgroup', 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(':'));
  const v1 = lines.find(([, controllers]) => controllers.split(',').includes(controller));
  return v1 ? join('/sys/fs/cgroup', controller, v1[2]) : join('/sys/fs/cgroup', lines.find(([id]) => id === '0')![2]);
}

/** The cgroups of this process's sandboxes still on the host. */
const leftovers = () =>
  readdirSync(ownCgroupDir('pids')).filter((name) => name.startsWith(`kiln-sandbox-${process.pid}-`));

describe('customizer resource limits', { skip: process.getuid?.() !== 0 && 'cgroups need root' }, () => {
  // A cgroup of a Kiln process that was killed -9 (its pid is gone); the first sandbox of this process sweeps it.
  const deadPid = Number(execFileSync('/bin/sh', ['-c', 'echo $$'], { encoding: 'utf8' }));
  const stale = ['pids', 'memory', 'cpu'].map((controller) =>
    join(ownCgroupDir(controller), `kiln-sandbox-${deadPid}-1`),
  );
  const unifiedV2 = !readFileSync('/proc/self/cgroup', 'utf8').includes(':pids:');
  before(() => {
    for (const dir of unifiedV2 ? stale.slice(0, 1) : stale) mkdirSync(dir);
  });

  describe('in an image template run, set in config.json', () => {
    let kiln: TestServer;
    let imageId: string;
    before(async () => {
      await makeBusyboxBaseImage(join(work, 'base.raw'), { sizeMiB: 48 });
      await toFixedVhd(join(work, 'base.raw'), join(work, 'base.vhd'));
      kiln = await startTestServer({ config: { build: { limits: LIMITS } } });
      await new ResourceManagementClient(kiln.credential, kiln.subscriptionId, {
        endpoint: kiln.url,
      }).resourceGroups.createOrUpdate(rg, { location: 'westus' });
      const blobUri = await putRegionBlob(kiln, 'westus', 'vhds/busybox.vhd', readFileSync(join(work, 'base.vhd')));
      const compute = new ComputeManagementClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
      imageId = (
        await compute.images.createOrUpdate(rg, 'busybox', {
          location: 'westus',
          storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized', blobUri } },
        })
      ).id!;
    });
    after(() => kiln.stop());

    /** Runs a template of one Shell customizer named `name`; its run status, log and how long it took. */
    async function runShell(name: string, inline: string[]) {
      const builder = new ImageBuilderClient(kiln.credential, kiln.subscriptionId, { endpoint: kiln.url });
      const template = await builder.virtualMachineImageTemplates.createOrUpdate(rg, name, {
        location: 'westus',
        identity: { type: 'None' },
        source: { type: 'ManagedImage', imageId },
        customize: [{ type: 'Shell', name, inline }],
        distribute: [{ type: 'VHD', runOutputName: 'vhd' }],
      });
      const started = Date.now();
      await builder.virtualMachineImageTemplates.run(rg, name).catch(() => undefined);
      const seconds = (Date.now() - started) / 1000;
      const status = (await builder.virtualMachineImageTemplates.get(rg, name)).lastRunStatus!;
      return { status, seconds, log: (await readCustomizationLog(kiln, template.id!)).text };
    }

    it('stops a fork bomb at the process limit and fails the run naming build.limits.processes', async () => {
      const { status, seconds, log } = await runShell('fork-bomb', ['bomb() { bomb | bomb & }', 'bomb', 'sleep 600']);
      assert.equal(status.runState, 'Failed');
      assert.match(
        status.message!,
        /Step 'fork-bomb' failed: Shell customizer 'fork-bomb': hit the process limit of 32 \(build\.limits\.processes\)/,
      );
      assert.ok(seconds < 60, `the run took ${seconds} s`);
      assert.match(
        log,
        /Customizer limits, per command \(build\.limits\): 32 processes, 64 MiB of memory, 0\.2 CPUs \(throttled beyond\)/,
      );
      assert.deepEqual(leftovers(), []);
    });

    it('stops a memory hog at the memory limit and fails the run naming build.limits.memoryMiB', async () => {
      // busybox dd allocates its whole 200 MiB block before it reads a byte.
      const { status, log } = await runShell('memory-hog', [
        'dd if=/dev/zero of=/dev/null bs=200M count=1',
        'echo survived',
      ]);
      assert.equal(status.runState, 'Failed');
      assert.match(
        status.message!,
        /Step 'memory-hog' failed: Shell customizer 'memory-hog': hit the memory limit of 64 MiB \(build\.limits\.memoryMiB\)/,
      );
      assert.doesNotMatch(log, /survived/);
      assert.deepEqual(leftovers(), []);
    });
  });

  it('swept the cgroups a killed Kiln left', () => {
    for (const dir of stale) assert.ok(!existsSync(dir), `${dir} is still there`);
  });

  it('applies the CPU limit as a quota the kernel throttles by', async () => {
    const rootfs = makeBusyboxRootFs(join(work, 'cpu-rootfs'));
    const marker = `kiln-busy-${randomUUID()}`;
    const controller = new AbortController();
    const running = runInSandbox(rootfs, ['/bin/sh', '-c', `while :; do :; done; : ${marker}`], {
      limits: LIMITS,
      signal: controller.signal,
      onOutput: () => undefined,
    });
    try {
      const pid = await hostPid(marker);
      await sleep(1000);
      const cgroup = cgroupOf(pid);
      if (cgroup.version === 1) {
        assert.equal(read(cgroup.dir('cpu'), 'cpu.cfs_quota_us'), '20000');
        assert.equal(read(cgroup.dir('cpu'), 'cpu.cfs_period_us'), '100000');
        assert.equal(read(cgroup.dir('pids'), 'pids.max'), '32');
        assert.equal(read(cgroup.dir('memory'), 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
      } else {
        assert.equal(read(cgroup.dir('cpu'), 'cpu.max'), '20000 100000');
        assert.equal(read(cgroup.dir('pids'), 'pids.max'), '32');
        assert.equal(read(cgroup.dir('memory'), 'memory.max'), String(64 * 1024 * 1024));
      }
      const throttled = /nr_throttled (\d+)/.exec(read(cgroup.dir('cpu'), 'cpu.stat'))!;
      assert.ok(Number(throttled[1]) > 0, 'a busy loop at 0.2 CPU was throttled');
    } finally {
      controller.abort();
      await assert.rejects(running, /canceled/);
    }
    assert.deepEqual(leftovers(), []);
  });

  it('refuses a limit in config.json it cannot use, naming the setting, before the server starts', async () => {
    const dataDir = mkdtempSync(join(work, 'bad-config-'));
    await assert.rejects(
      startTestServer({ dataDir, config: { build: { limits: { processes: 'many' as unknown as number } } } }),
      /config\.json: build\.limits\.processes is "many"; it must be a whole number of at least 8\./,
    );
  });

  it('fails closed where it cannot make cgroups: nothing runs, and the message says what to do', () => {
    // Kiln as an unprivileged user to whom no cgroup is delegated. That user must read Kiln's code,
    // and a checkout may sit below a folder only root may enter (a clone into `mktemp -d`): in a
    // mount namespace of its own, the code and its packages are bound into a folder anyone may enter.
    const view = mkdtempSync(join(tmpdir(), 'kiln-unprivileged-'));
    chmodSync(view, 0o755);
    for (const folder of ['src', 'node_modules']) mkdirSync(join(view, folder));
    copyFileSync(join(process.cwd(), 'package.json'), join(view, 'package.json'));
    const script = `const { runInSandbox } = await import(${JSON.stringify(join(view, 'src/imaging/sandbox.ts'))});
      await runInSandbox('/', ['/bin/echo', 'ran'], { onOutput: console.log }).then(() => console.log('resolved'), (error) => console.log(error.message));`;
    const asNobody = [
      'setpriv',
      ...['--reuid', '65534', '--regid', '65534', '--clear-groups'],
      ...[process.execPath, '--import', 'tsx', '--input-type=module', '-e', script],
    ];
    const child = spawnSync(
      'unshare',
      [
        ...['--mount', '--propagation', 'private', 'sh', '-c'],
        'mount --bind "$1/src" "$2/src" && mount --bind "$1/node_modules" "$2/node_modules" && cd "$2" && shift 2 && exec "$@"',
        ...['sh', process.cwd(), view, ...asNobody],
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    rmSync(view, { recursive: true, force: true });
    assert.equal(child.status, 0, child.stderr);
    assert.doesNotMatch(child.stdout, /^(ran|resolved)$/m);
    assert.match(child.stdout, /cannot set them here: .*EACCES/);
    assert.match(
      child.stdout,
      /Run Kiln as root on a host with the pids, memory and cpu cgroup controllers.*Kiln does not run scripts without limits\./,
    );
  });
});

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8').trim();

/** The host pid of the process whose command line holds `marker`, once it runs. */
async function hostPid(marker: string): Promise<number> {
  for (let i = 0; i < 100; i++) {
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      const cmdline = (() => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'latin1');
        } catch {
          return '';
        }
      })();
      if (cmdline.startsWith('/bin/sh\0-c\0') && cmdline.includes(marker)) return Number(pid);
    }
    await sleep(50);
  }
  throw new Error(`no process runs ${marker}`);
}

/** Where a host process's cgroups are, as /proc/<pid>/cgroup says. */
function cgroupOf(pid: number): { version: 1 | 2; dir(controller: string): string } {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(':'));
  const v1 = (controller: string) => lines.find(([, controllers]) => controllers.split(',').includes(controller));
  if (v1('pids')) return { version: 1, dir: (controller) => join('/sys/fs/cgroup', controller, v1(controller)![2]) };
  const v2 = lines.find(([id]) => id === '0')![2];
  return { version: 2, dir: () => join('/sys/fs/cgroup', v2) };
}
