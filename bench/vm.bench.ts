/**
 * VM create to SSH under TCG (issue 14): a Kiln VM made through @azure/arm-compute, timed from its
 * PUT to the first `ssh azureuser@<public IP> true` that gets in, side by side with the same Debian
 * disk booted by a plain `qemu-system-x86_64` command line and reached by the same `ssh` loop
 * (support/plain-boot.ts), in one process, the two taking turns going first, `--runs` rounds
 * (default 3).
 *
 * Kiln's side: a server started in this process (startTestServer: SQLite, one job worker polling
 * every 50 ms), the tests' bootstrapped Debian 12 imported as the platform image
 * Debian:debian-12:12:1.0.0 and a network made once (test/support/reachable-vm.ts: a virtual
 * network, a security group letting port 22 in, a Static public IP from the server's own pool, one
 * interface holding it), in the region that keeps the platform images unless `--location` names
 * another (where the OS disk is then a copy of the image's bytes across regions). Each round
 * `virtualMachines.beginCreateOrUpdateAndWait` of a new Standard_B1s VM with an SSH key, from the
 * PUT until the SDK's poller has the create finished, then `ssh` every 2 s until it gets in; then,
 * outside the timing, the VM's serial console is read through boot diagnostics and the VM is deleted
 * with its OS disk (deleteOption Delete), which frees the interface for the next round.
 *
 * The plain side pays what Kiln pays for its disk: a create makes the OS disk from the image in
 * Kiln's store (in the image's region a copy that shares its bytes) and writes the disk's bytes into
 * the VM's own raw file, which the guest writes to; the plain side copies the cached disk with
 * `cp --reflink=auto` (on a file system without reflinks, a full copy of its data, holes left holes
 * as Kiln leaves runs of zeros) and boots the copy without `snapshot=on`, with a NoCloud seed making
 * the same user with the same key and sudo and the same host name, and the VM size's vCPUs and
 * memory. It is timed from the copy's start.
 *
 * Both sides' serial consoles are timed at the kernel's first line and at `Started ssh.service`
 * (support/boot-marks.ts), counted from QEMU's start: the plain side's spawn; for Kiln, whose driver
 * does not say when it spawned QEMU, the QEMU process's start time (/proc, to 10 ms), and the lines
 * of its boot diagnostics, each stamped when it came. Kiln's wait before QEMU is split at its job
 * events (the OS disk's `disk.fill` job done, the VM's job running again after waiting for it) and
 * at the console line Kiln writes as it calls the driver. QEMU's CPU time when SSH got in is read
 * from /proc on both sides, and Kiln's QEMU must run under TCG. Usage and recorded runs:
 * bench/README.md.
 */
import { ComputeManagementClient, type VirtualMachine } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';
import { DEFAULT_VM_SIZES, findVmSize } from '../src/domain/virtual-machines/vm-sizes.ts';
import type { JobEvent } from '../src/jobs/worker.ts';
import { debianImage } from '../test/support/debian-image.ts';
import {
  DEBIAN_REFERENCE,
  importDebian,
  makeReachableNetwork,
  makeSshKeys,
  type SshKeys,
} from '../test/support/reachable-vm.ts';
import { startTestServer } from '../test/support/test-server.ts';
import { KERNEL, SSHD, when } from './support/boot-marks.ts';
import { plainBoot } from './support/plain-boot.ts';
import { cpuSeconds, qemuForwarding, startedAt } from './support/qemu-process.ts';
import { between, machine, median, ratio, seconds, sideBySide, timed } from './support/report.ts';
import { pollSsh } from './support/ssh-poll.ts';
import { underTestCa } from './support/test-ca-env.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, location: { type: 'string' } } });
const runs = Number(values.runs);
if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`--runs takes a whole number, not '${values.runs}'.`);

const RG = 'bench-vm';
const SIZE = findVmSize(DEFAULT_VM_SIZES, 'Standard_B1s')!;
const ADMIN = 'azureuser';
const COMPUTER_NAME = 'bench-vm';
/** The server's own public IP pool, so that it takes no address another Kiln on this host holds. */
const PUBLIC_IP_POOL = '127.104.0.0/24';
/** Kiln's own limit on a VM's boot is 300 s (virtualMachines.bootTimeoutSeconds); the plain boot gets as long. */
const BOOT_TIMEOUT_MS = 300_000;
/** Kiln's create waits for cloud-init to finish, after sshd has started: SSH answers at once then. */
const SSH_AFTER_CREATE_MS = 120_000;
/** What Kiln's machine host writes to the serial console as it calls the driver. */
const KILN_BOOTS = /^---- Kiln boots the VM/;

/** One round of one side. Times in seconds; `qemu*` fields count from QEMU's start, the others from the round's. */
interface VmRun {
  /** The round's start (Kiln: the PUT; plain: the copy's start) to QEMU's start. */
  beforeQemu: number;
  /**
   * Kiln, from the PUT: the OS disk's `disk.fill` job done; the VM's job running again (it waited
   * for the disk); the machine host calling the driver; the create finished.
   */
  diskMade?: number;
  jobResumed?: number;
  driverCalled?: number;
  created?: number;
  /** Plain: `cp` of the disk; the seed drive and a free port. */
  copy?: number;
  seed?: number;
  qemuToKernel?: number;
  qemuToSshd?: number;
  qemuToSsh: number;
  total: number;
  /** The CPU time QEMU had used when SSH got in. */
  qemuCpu: number;
}

interface Bench {
  location: string;
  compute: ComputeManagementClient;
  jobEvents: JobEvent[];
  keys: SshKeys;
  nicId: string;
  address: string;
  disk: string;
  work: string;
}

await underTestCa(main);

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'kiln-bench-vm-'));
  const keys = await makeSshKeys();
  const jobEvents: JobEvent[] = [];
  const kiln = await startTestServer({
    onJobEvent: (event) => jobEvents.push(event),
    config: { network: { publicIpAddressPool: PUBLIC_IP_POOL } },
  });
  try {
    console.log(`${machine()}, dir ${work}`);
    console.log(
      `load average at the start: ${os
        .loadavg()
        .map((average) => average.toFixed(2))
        .join(', ')}`,
    );
    const disk = await debianImage();
    console.log(`disk: ${disk}`);
    // By default the VM goes where the platform images are kept: its OS disk shares their bytes and
    // the VM's file is the one copy, as on the plain side. Elsewhere the disk is a copy across regions.
    const imageRegion = kiln.server.kiln.config.regions[0].name;
    const location = values.location ?? imageRegion;
    console.log(`location: ${location} (platform images in ${imageRegion})`);
    const sub = kiln.subscriptionId;
    const compute = new ComputeManagementClient(kiln.credential, sub, { endpoint: kiln.url });
    const network = new NetworkManagementClient(kiln.credential, sub, { endpoint: kiln.url });
    const [reachable, setupSeconds] = await timed(async () => {
      await importDebian(kiln);
      await new ResourceManagementClient(kiln.credential, sub, { endpoint: kiln.url }).resourceGroups.createOrUpdate(
        RG,
        { location },
      );
      return makeReachableNetwork(network, { subscription: sub, name: RG, location }, ['nic']);
    });
    const { publisher, offer, sku } = DEBIAN_REFERENCE;
    console.log(
      `setup (import the disk as ${publisher}:${offer}:${sku}:1.0.0, resource group, network, public IP` +
        ` ${reachable.address}): ${seconds(setupSeconds)} s, not counted below\n`,
    );
    const bench = {
      location,
      compute,
      jobEvents,
      keys,
      nicId: reachable.nicIds.nic,
      address: reachable.address,
      disk,
      work,
    };
    const plain: VmRun[] = [];
    const made: VmRun[] = [];
    for (let round = 0; round < runs; round += 1) {
      const both = [
        async () => plain.push(await plainRound(bench)),
        async () => made.push(await kilnRound(bench, `vm${round + 1}`)),
      ];
      for (const side of round % 2 === 0 ? both : both.reverse()) await side();
      console.log(
        `round ${round + 1}: plain QEMU ${seconds(plain[round].total)} s, Kiln VM create ${seconds(made[round].total)} s` +
          ` (create finished at ${seconds(made[round].created)} s), Kiln / plain ${ratio(made[round].total / plain[round].total)}` +
          ` (load ${os.loadavg()[0].toFixed(2)})`,
      );
    }
    printRuns(plain, made);
  } finally {
    await kiln.stop();
    await keys.remove();
    await rm(work, { recursive: true, force: true });
  }
}

/** The VM Kiln makes each round: Standard_B1s, the Debian platform image, the admin with the key, the interface. */
function vmBody(bench: Bench): VirtualMachine {
  return {
    location: bench.location,
    hardwareProfile: { vmSize: SIZE.name },
    storageProfile: {
      imageReference: DEBIAN_REFERENCE,
      osDisk: {
        createOption: 'FromImage',
        deleteOption: 'Delete',
        managedDisk: { storageAccountType: 'Standard_LRS' },
      },
    },
    osProfile: {
      computerName: COMPUTER_NAME,
      adminUsername: ADMIN,
      linuxConfiguration: {
        disablePasswordAuthentication: true,
        ssh: { publicKeys: [{ path: `/home/${ADMIN}/.ssh/authorized_keys`, keyData: bench.keys.publicKey }] },
      },
    },
    networkProfile: { networkInterfaces: [{ id: bench.nicId, primary: true }] },
    diagnosticsProfile: { bootDiagnostics: { enabled: true } },
  };
}

/** One VM created, reached by SSH on its public IP, its console read and the VM deleted (not timed). */
async function kilnRound(bench: Bench, name: string): Promise<VmRun> {
  const { compute } = bench;
  const put = Date.now();
  const start = performance.now();
  const vm = await compute.virtualMachines.beginCreateOrUpdateAndWait(RG, name, vmBody(bench));
  const created = performance.now();
  if (vm.provisioningState !== 'Succeeded') throw new Error(`the VM ended ${vm.provisioningState}`);
  const target = { user: ADMIN, host: bench.address, port: 22, key: bench.keys.privateKeyFile };
  const answered = await pollSsh(target, { since: created, timeoutMs: SSH_AFTER_CREATE_MS });
  const qemu = await qemuForwarding(bench.address, 22);
  const qemuCpu = await cpuSeconds(qemu.pid);
  const qemuStarted = await startedAt(qemu.pid);
  const accelerator = qemu.args[qemu.args.indexOf('-accel') + 1];
  if (accelerator !== 'tcg')
    throw new Error(`Kiln's VM ran under ${accelerator}: this benchmark compares boots under TCG.`);

  const diagnostics = await compute.virtualMachines.retrieveBootDiagnosticsData(RG, name);
  const consoleLog = await (await fetch(diagnostics.serialConsoleLogBlobUri!)).text();
  await compute.virtualMachines.beginDeleteAndWait(RG, name);

  // Each console line is `<ISO time> <text>`; the first is Kiln's own, written as it calls the driver.
  const stamped = consoleLog
    .split('\n')
    .filter((line) => line !== '')
    .map((line): [number, string] => [Date.parse(line.slice(0, line.indexOf(' '))), line.slice(line.indexOf(' ') + 1)]);
  const boots = stamped.find(([, text]) => KILN_BOOTS.test(text))?.[0];
  if (boots === undefined) throw new Error(`the VM's console has no line saying Kiln boots it:\n${consoleLog}`);
  const serial = stamped.map(([at, text]): [number, string] => [(at - qemuStarted) / 1000, text]);
  const fromPut = (at: number | undefined) => (at === undefined ? undefined : (at - put) / 1000);
  const beforeQemu = (qemuStarted - put) / 1000;
  const createdAt = (created - start) / 1000;
  const events = (task: string, event: JobEvent['event']) =>
    bench.jobEvents
      .filter((e) => e.task === task && e.event === event)
      .map((e) => Date.parse(e.at))
      .filter((at) => at >= put && at <= boots);
  return {
    beforeQemu,
    diskMade: fromPut(events('disk.fill', 'finished').at(-1)),
    jobResumed: fromPut(events('virtualMachine.run', 'claimed').at(-1)),
    driverCalled: fromPut(boots),
    created: createdAt,
    qemuToKernel: when(serial, KERNEL),
    qemuToSshd: when(serial, SSHD),
    qemuToSsh: (answered - start) / 1000 - beforeQemu,
    total: (answered - start) / 1000,
    qemuCpu,
  };
}

/** The disk copied as Kiln's create copies it, booted by a plain command line, reached by the same SSH loop. */
async function plainRound(bench: Bench): Promise<VmRun> {
  const copy = path.join(bench.work, 'plain-os.raw');
  const [, copySeconds] = await timed(() => promisify(execFile)('cp', ['--reflink=auto', bench.disk, copy]));
  try {
    const boot = await plainBoot(copy, bench.work, {
      memoryMiB: SIZE.memoryInMB,
      cpus: SIZE.numberOfCores,
      timeoutMs: BOOT_TIMEOUT_MS,
      persistent: true,
      login: { user: ADMIN, hostname: COMPUTER_NAME, key: bench.keys.privateKeyFile, publicKey: bench.keys.publicKey },
    });
    return {
      beforeQemu: copySeconds + boot.setupSeconds,
      copy: copySeconds,
      seed: boot.setupSeconds,
      qemuToKernel: when(boot.serial, KERNEL),
      qemuToSshd: when(boot.serial, SSHD),
      qemuToSsh: boot.sshSeconds,
      total: copySeconds + boot.setupSeconds + boot.sshSeconds,
      qemuCpu: boot.qemuCpuSeconds,
    };
  } finally {
    await rm(copy, { force: true });
  }
}

function printRuns(plain: VmRun[], kiln: VmRun[]): void {
  const createdFromQemu = (run: VmRun) => between(run.beforeQemu, run.created);
  const rows: Array<[string, (run: VmRun) => number | undefined]> = [
    ['before QEMU starts (Kiln: from the PUT; plain: from the copy)', (run) => run.beforeQemu],
    ['  Kiln: PUT → OS disk made from the image (disk.fill done)', (run) => run.diskMade],
    [
      "  Kiln: → the VM's job runs again (its pause while the disk filled)",
      (run) => between(run.diskMade, run.jobResumed),
    ],
    [
      "  Kiln: → its driver called (disk bytes into the VM's file, agent key)",
      (run) => between(run.jobResumed, run.driverCalled),
    ],
    ['  Kiln: → QEMU starts (KVM probe once, seed drive, sandbox)', (run) => between(run.driverCalled, run.beforeQemu)],
    ['  plain: cp --reflink=auto of the disk', (run) => run.copy],
    ['  plain: seed drive, free port', (run) => run.seed],
    ['QEMU start → the kernel (firmware, GRUB)', (run) => run.qemuToKernel],
    ['the kernel → sshd started', (run) => between(run.qemuToKernel, run.qemuToSshd)],
    [`sshd started → SSH lets ${ADMIN} in`, (run) => between(run.qemuToSshd, run.qemuToSsh)],
    [
      '  Kiln: sshd started → create finished (cloud-init done, next poll)',
      (run) => between(run.qemuToSshd, createdFromQemu(run)),
    ],
    [`QEMU start → SSH lets ${ADMIN} in`, (run) => run.qemuToSsh],
    ['Kiln: PUT → create finished', (run) => run.created],
    ['Kiln: create finished → SSH', (run) => between(run.created, run.total)],
    ['total: to SSH (Kiln: from the PUT; plain: from the copy)', (run) => run.total],
    ["QEMU's CPU time (user + sys) by then", (run) => run.qemuCpu],
  ];
  console.log(
    `\n${SIZE.name} (${SIZE.numberOfCores} vCPU, ${SIZE.memoryInMB} MiB), BIOS, TCG, to SSH as ${ADMIN}` +
      ` (${runs} rounds, the two sides of a round in turn):\n`,
  );
  console.log(sideBySide({ name: 'plain', runs: plain }, { name: 'Kiln', runs: kiln }, rows));
  const goal = median(kiln.map((run) => run.total)) / median(plain.map((run) => run.total));
  console.log(`\nKiln VM create / plain QEMU, to SSH: ${ratio(goal)} (median over median)`);
}
