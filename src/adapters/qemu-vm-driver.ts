/**
 * The VM driver on QEMU (`qemu-system-x86_64`): the disk as a virtio disk, opened with `snapshot=on`
 * (writes go to a throwaway overlay, so the image never changes) unless the VM is `persistent`; no
 * default devices or display; the serial console on stdio read line by line; `-no-reboot`, so a
 * guest that reboots or panics ends the VM instead of looping.
 *
 * **Network.** None (`-nic none`) unless asked. Then QEMU's user-mode network (slirp: no host
 * privilege, no bridge): `restrict=on` unless outbound is allowed, so the guest reaches nothing, and
 * each forwarded guest port bound on 127.0.0.1 at a free port. A clash with another process taking
 * that port between the probe and QEMU's bind starts QEMU again on fresh ports.
 *
 * **Seed and shutdown.** Each VM has a private folder (0700) for its NoCloud seed drive and its QMP
 * socket, removed when it ends; `shutdown` sends ACPI's power button through QMP.
 *
 * **Disks.** Every disk is a virtio-blk PCI device, in this order: the boot disk (boot index 0), the
 * data disks (`-blockdev` nodes named as the disks, their serial the same name), the seed. A data disk
 * is hot-plugged through QMP (`qmp-run.py`): QEMU has dropped root and sees no path it was not given
 * at its start, so the file is opened here and handed over as a file descriptor (`add-fd`), then
 * added as a node and a device; unplugging asks the guest to eject it (ACPI PCI hot-plug, which works
 * under TCG too), waits for QEMU's DEVICE_DELETED, then deletes the node and its fd set, closing the
 * file. QMP takes one client at a time, so its uses are queued.
 *
 * **KVM or TCG.** KVM is used when /dev/kvm can be opened and works, TCG otherwise. On some hosts
 * /dev/kvm opens and KVM even starts, then fails: OVMF makes it say "KVM internal error" at once, but
 * a guest on SeaBIOS and GRUB can hang there without a word. So once per process the UEFI firmware
 * alone is booted under KVM as a probe (about a second); and every boot's stderr is still watched:
 * when it says KVM failed, the VM is killed and booted again under TCG, and every later VM of this
 * process uses TCG. The choice is told once through `onNotice`; each VM reports its `accelerator`.
 *
 * **No QEMU outlives its caller.** QEMU runs in a process group of its own, killed whole on stop,
 * abort and this process's exit; and under a small root shell (`WATCHDOG`) that the kernel signals
 * when this process dies, even by kill -9 (`setpriv --pdeathsig`), and that then kills QEMU (or the
 * confinement around it, whose end ends QEMU). QEMU cannot hold that signal itself: the kernel
 * forgets it when `-runas` drops QEMU's root.
 *
 * **Confinement.** With `confine`, each start of QEMU runs inside what it returns (bubblewrap and a
 * cgroup, app/vm-confinement.ts), granted only its disk, its private folder, the user table and
 * /dev/kvm under KVM; what the confinement says when it cannot start (fd 3) is QEMU's error.
 *
 * **Limits.** One driver runs VMs within its capacity (`build.vm`: VMs, vCPUs, memory at once);
 * more wait in a FIFO (vm-turns.ts), each turn held from the boot until its QEMU has exited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, open, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  Accelerator,
  ShutdownOutcome,
  Vm,
  VmBootOptions,
  VmDataDisk,
  VmDisk,
  VmDriver,
  VmExit,
} from '../ports/vm-driver.ts';
import { writeNoCloudSeed } from './nocloud-seed.ts';
import { VmTurns, type VmCapacity } from './vm-turns.ts';

export interface QemuVmDriverOptions {
  /** What this driver's VMs hold at once, each part defaulting: 1 VM, every CPU, half the memory. */
  capacity?: Partial<VmCapacity>;
  /** Told, once per process, which accelerator VMs run under and why. */
  onNotice?: (text: string) => void;
  /** Runs each QEMU confined (app/vm-confinement.ts); without it QEMU relies on `-runas` and its seccomp filter alone. */
  confine?: ConfineQemu;
}

/** What one QEMU may reach of the host when confined; everything else is absent from its view. */
export interface QemuGrant {
  read: string[];
  write: string[];
  /** /dev/kvm under KVM. */
  devices: string[];
  /** What `-runas` needs to drop root; QEMU holds no capability once it has. */
  capabilities: Array<'SETUID' | 'SETGID' | 'NET_BIND_SERVICE'>;
  /** The user-mode network's forwarded ports listen on the host's loopback. */
  network: 'host';
  env: Record<string, string>;
  /** The guest's memory and vCPUs, which QEMU's limits are sized from. */
  memoryMiB: number;
  cpus: number;
}

/** The confined command line of one QEMU (`file args`), and what to undo once it has ended. */
export interface ConfinedQemu {
  file: string;
  args: string[];
  release(): Promise<void>;
}

export type ConfineQemu = (qemuArgs: string[], grant: QemuGrant) => Promise<ConfinedQemu>;

/** What QEMU prints when a forwarded port was taken between the probe and its bind. */
const PORT_TAKEN = /Could not set up host forwarding rule/;
/** Starts of one VM on fresh ports before a port clash is reported. */
const PORT_ATTEMPTS = 3;
/** What QEMU prints when KVM cannot run the guest, at start or midway. */
const KVM_FAILED = /KVM internal error|Could not access KVM kernel module|failed to initialize kvm/i;
/** Terminal control the firmware writes to the console (reset, clear screen, colours): not text for a log. */
const TERMINAL_CONTROL = /\x1b(?:\[[0-9;?]*[A-Za-z]|[A-Za-z])|\r/g;
/**
 * Debian's OVMF: its code read-only, its variable store opened like the disk, with writes thrown away
 * (`snapshot=on`), so VMs share the pristine file.
 */
const OVMF = '/usr/share/OVMF';
const UEFI_FIRMWARE = [
  ...['-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF}/OVMF_CODE_4M.fd`],
  ...['-drive', `if=pflash,format=raw,unit=1,snapshot=on,file=${OVMF}/OVMF_VARS_4M.fd`],
];
/**
 * QEMU's own confinement: once set up (disk, firmware, seed and sockets open) it drops root for
 * `nobody`, and a seccomp filter refuses obsolete calls, new processes and scheduler or resource
 * changes, so a guest that escapes through a device model is neither root nor able to spawn. (The
 * filter's `elevateprivileges=deny` would refuse the drop itself; as `nobody`, there is nothing left to elevate to.)
 */
const HARDENING = [...['-sandbox', 'on,obsolete=deny,spawn=deny,resourcecontrol=deny'], ...['-runas', 'nobody']];
/** Runs QEMU (its arguments) and waits for it; killed by the kernel's TERM, it kills QEMU first. */
const WATCHDOG = '"$@" & qemu=$!; trap \'kill -KILL $qemu; exit 143\' TERM; wait $qemu';
/** Console lines a VM keeps for `waitFor` failures and `lastSerialLines`. */
const KEPT_LINES = 200;
/** Runs QMP commands in one session, passing a file descriptor along where asked. */
const QMP_RUN = fileURLToPath(new URL('./qmp-run.py', import.meta.url));
/** A data disk's name, which QEMU takes as a node name and the guest sees as the disk's serial (20 bytes at most). */
const DISK_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,19}$/;

/** The process's accelerator: KVM until it fails once, then TCG for good. */
const host = {
  kvmFailed: undefined as string | undefined,
  probe: undefined as Promise<string | undefined> | undefined,
  told: new Set<string>(),
};

/** How long the KVM probe waits for the firmware to reach its boot manager. */
const PROBE_MS = 15_000;
/** OVMF's boot manager starting: the firmware ran its whole start-up under KVM. */
const FIRMWARE_RAN = /BdsDxe/;

/**
 * Boots only the UEFI firmware under KVM, once per process, and resolves with why KVM failed, or
 * undefined when the firmware ran. The probe is needed because a guest booted by SeaBIOS and GRUB on
 * a broken KVM can hang without a word, while OVMF makes the same KVM say "KVM internal error" in a
 * second. Without OVMF installed there is no probe, and the boot itself is watched (see `start`).
 */
async function probeKvm(): Promise<string | undefined> {
  try {
    await access(`${OVMF}/OVMF_CODE_4M.fd`, constants.R_OK);
  } catch {
    return undefined;
  }
  const args = ['-accel', 'kvm', '-m', '128', '-nodefaults', '-nographic', '-no-reboot', '-nic', 'none'];
  const child = spawn(
    'setpriv',
    ['--pdeathsig', 'KILL', '--', 'qemu-system-x86_64', ...args, ...UEFI_FIRMWARE, '-serial', 'stdio'],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  return new Promise<string | undefined>((resolve) => {
    const done = (failure: string | undefined) => {
      clearTimeout(timer);
      killGroup(child);
      resolve(failure);
    };
    const timer = setTimeout(() => done(`the firmware did not start under KVM within ${PROBE_MS / 1000} s`), PROBE_MS);
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      if (FIRMWARE_RAN.test(stdout)) done(undefined);
    });
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
      const failed = stderr.match(KVM_FAILED);
      if (failed) done(`KVM failed here (${failed[0]})`);
    });
    child.once('error', (error) => done(`QEMU could not start: ${error.message}`));
    child.once('close', () => done(`QEMU ended under KVM: ${stderr.trim().split('\n').pop() ?? ''}`));
  });
}

function tellOnce(onNotice: ((text: string) => void) | undefined, text: string) {
  if (host.told.has(text)) return;
  host.told.add(text);
  onNotice?.(text);
}

async function chooseAccelerator(onNotice?: (text: string) => void): Promise<Accelerator> {
  if (host.kvmFailed === undefined) {
    try {
      await access('/dev/kvm', constants.R_OK | constants.W_OK);
      host.probe ??= probeKvm();
      const failed = await host.probe;
      if (failed) host.kvmFailed = failed;
    } catch {
      host.kvmFailed = '/dev/kvm is missing or not accessible';
    }
  }
  if (host.kvmFailed !== undefined) {
    tellOnce(onNotice, `VMs run under TCG (emulation): ${host.kvmFailed}`);
    return 'tcg';
  }
  tellOnce(onNotice, 'VMs run under KVM; if KVM fails, they boot again under TCG');
  return 'kvm';
}

/** The host's default capacity: one VM at a time, which may use every CPU and half the memory. */
export function defaultVmCapacity(): VmCapacity {
  return { vms: 1, cpus: availableParallelism(), memoryMiB: Math.floor(totalmem() / 2 / 1024 / 1024) };
}

export function createQemuVmDriver(options: QemuVmDriverOptions = {}): VmDriver {
  const turns = new VmTurns({ ...defaultVmCapacity(), ...options.capacity });
  return {
    async boot(disk, boot) {
      const release = await turns.take({ cpus: boot.cpus, memoryMiB: boot.memoryMiB }, boot.signal);
      try {
        const vm = new QemuVm(disk, boot, await chooseAccelerator(options.onNotice), options);
        await vm.started;
        void vm.exited.then(release);
        return vm;
      } catch (error) {
        release();
        throw error;
      }
    },
  };
}

interface Waiter {
  pattern: RegExp;
  resolve(value: { seconds: number }): void;
  fail(why: string): void;
}

class QemuVm implements Vm {
  accelerator: Accelerator;
  readonly exited: Promise<VmExit>;
  /** Resolves once QEMU runs; rejects when it cannot be started. */
  readonly started: Promise<void>;
  private child!: ChildProcess;
  private startedAt = 0;
  private lines: string[] = [];
  private partial = '';
  private stderr = '';
  private ended?: VmExit;
  private stopping = false;
  private readonly waiters = new Set<Waiter>();
  private resolveExited!: (exit: VmExit) => void;
  /** The VM's private folder: seed drive, QMP socket. */
  private dir?: string;
  private seedDrive?: string;
  /** Guest port → host port on 127.0.0.1, for this start of QEMU. */
  private ports = new Map<number, number>();
  private portAttempts = 0;
  /** QMP's one client at a time: each use waits for the one before. */
  private qmpTurn: Promise<unknown> = Promise.resolve();
  /** The fd set of each hot-plugged data disk, by name; disks of the boot have none. */
  private readonly fdSets = new Map<string, number>();
  private nextFdSet = 1;

  private readonly onNotice?: (text: string) => void;
  private readonly confine?: ConfineQemu;

  constructor(
    private readonly disk: VmDisk,
    private readonly options: VmBootOptions,
    accelerator: Accelerator,
    driver: QemuVmDriverOptions,
  ) {
    this.onNotice = driver.onNotice;
    this.confine = driver.confine;
    this.accelerator = accelerator;
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
    this.started = this.prepare().then(() => this.start());
    const onAbort = () => void this.stop();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    void this.exited.then(() => options.signal?.removeEventListener('abort', onAbort));
    if (options.signal?.aborted) onAbort();
  }

  private async prepare(): Promise<void> {
    for (const disk of this.options.dataDisks ?? []) checkDiskName(disk.name);
    this.dir = await mkdtemp(join(tmpdir(), 'kiln-vm-'));
    if (this.options.seed) this.seedDrive = await writeNoCloudSeed(this.dir, this.options.seed);
    await this.pickPorts();
  }

  /** Host ports for the forwarded guest ports: kept when QEMU starts again under TCG, new after a clash. */
  private async pickPorts() {
    this.ports = new Map();
    for (const guest of this.options.network?.forwardPorts ?? []) this.ports.set(guest, await freePort());
  }

  /** QEMU's own command line, confined when the driver confines, with what to undo once it ends. */
  private async command(qemu: string[]): Promise<ConfinedQemu> {
    if (!this.confine) return { file: qemu[0], args: qemu.slice(1), release: async () => {} };
    const persistent = this.options.persistent === true;
    return this.confine(qemu.slice(1), {
      read: ['/etc/passwd', '/etc/group', ...(persistent ? [] : [this.disk.path])],
      write: [
        this.dir!,
        ...(persistent ? [this.disk.path] : []),
        ...(this.options.dataDisks ?? []).map((disk) => disk.path),
      ],
      devices: this.accelerator === 'kvm' ? ['/dev/kvm'] : [],
      capabilities: [
        'SETUID',
        'SETGID',
        // A published port below 1024 (a VM's SSH on 22) is bound before QEMU drops root.
        ...(this.options.network?.publish?.ports.some((port) => port < 1024) ? (['NET_BIND_SERVICE'] as const) : []),
      ],
      network: 'host',
      // The throwaway overlay (`snapshot=on`) goes beside the seed, in the VM's own folder.
      env: { TMPDIR: this.dir! },
      memoryMiB: this.options.memoryMiB,
      cpus: this.options.cpus,
    });
  }

  private async start(): Promise<void> {
    // -drive splits its options at commas; a comma in the path is written twice. A VHD's size is its
    // footer's current size, as Azure and Hyper-V read it, not qemu's default guess from the CHS geometry.
    const format = this.disk.format === 'vpc' ? 'vpc,force_size_calc=current_size' : 'raw';
    const overlay = this.options.persistent === true ? '' : ',snapshot=on';
    // Devices in command-line order: the boot disk, the data disks, the seed (the guest's vda, vdb, ...).
    const disks = [
      ...['-drive', `file=${escape(this.disk.path)},format=${format},if=none,id=boot${overlay}`],
      ...['-device', 'virtio-blk-pci,drive=boot,bootindex=0'],
      ...(this.options.dataDisks ?? []).flatMap((disk) => [
        ...['-blockdev', `driver=raw,node-name=${disk.name},file.driver=file,file.filename=${escape(disk.path)}`],
        ...['-device', dataDiskDevice(disk)],
      ]),
      ...(this.seedDrive
        ? [
            ...['-drive', `file=${escape(this.seedDrive)},format=raw,if=none,id=seed,readonly=on`],
            ...['-device', 'virtio-blk-pci,drive=seed'],
          ]
        : []),
    ];
    const qemu = [
      'qemu-system-x86_64',
      ...(this.options.firmware === 'uefi' ? UEFI_FIRMWARE : []),
      ...['-accel', this.accelerator, '-m', String(this.options.memoryMiB), '-smp', String(this.options.cpus)],
      ...['-nodefaults', '-nographic', '-no-reboot', '-serial', 'stdio'],
      ...HARDENING,
      ...['-qmp', `unix:${escape(this.qmpSocket())},server=on,wait=off`],
      ...this.networkArgs(),
      ...disks,
    ];
    this.startedAt = performance.now();
    this.lines = [];
    this.partial = '';
    this.stderr = '';
    const command = await this.command(qemu);
    // fd 3 takes what a confinement's own set-up says when it fails (the cgroup join).
    const child = spawn(
      'setpriv',
      ['--pdeathsig', 'TERM', '--', 'sh', '-c', WATCHDOG, 'kiln-vm', command.file, ...command.args],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] },
    );
    this.child = child;
    const kill = () => killGroup(child);
    process.on('exit', kill);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => this.console(chunk));
    child.stdio[3]!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      this.stderr += chunk;
      if (this.accelerator === 'kvm' && KVM_FAILED.test(this.stderr) && host.kvmFailed === undefined) {
        host.kvmFailed = `KVM failed here (${this.stderr.match(KVM_FAILED)![0]})`;
      }
      if (this.accelerator === 'kvm' && KVM_FAILED.test(this.stderr)) kill();
    });
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.once('close', async (code, signal) => {
      process.off('exit', kill);
      await command.release().catch(() => {});
      // Fresh ports help only ports Kiln picked: a published port taken stays taken.
      if (
        PORT_TAKEN.test(this.stderr) &&
        !this.options.network?.publish &&
        !this.stopping &&
        ++this.portAttempts < PORT_ATTEMPTS
      ) {
        this.pickPorts()
          .then(() => this.start())
          .catch((error: Error) => this.end({ code: null, signal: null, stderr: error.message }));
        return;
      }
      // KVM failed and nobody asked the VM to stop: the same boot again, under TCG.
      if (this.accelerator === 'kvm' && KVM_FAILED.test(this.stderr) && !this.stopping) {
        this.accelerator = 'tcg';
        tellOnce(this.onNotice, `VMs run under TCG (emulation) from now on: ${host.kvmFailed}`);
        this.start().catch((error: Error) => this.end({ code: null, signal: null, stderr: error.message }));
        return;
      }
      this.end({ code, signal, stderr: this.stderr.trim() });
    });
    return spawned;
  }

  private networkArgs(): string[] {
    const network = this.options.network;
    if (!network) return ['-nic', 'none'];
    const published = network.publish?.ports.map((port) => [port, port] as const) ?? [];
    const address = network.publish?.address;
    const forwards = [
      ...[...this.ports].map(([guest, hostPort]) => `,hostfwd=tcp:127.0.0.1:${hostPort}-:${guest}`),
      ...published.map(([guest, hostPort]) => `,hostfwd=tcp:${address}:${hostPort}-:${guest}`),
    ];
    const user = `user,id=net0,restrict=${network.outbound ? 'off' : 'on'}${forwards.join('')}`;
    return ['-netdev', user, '-device', 'virtio-net-pci,netdev=net0'];
  }

  private qmpSocket(): string {
    return join(this.dir!, 'qmp.sock');
  }

  hostPort(guestPort: number): number {
    const port = this.ports.get(guestPort) ?? this.options.network?.publish?.ports.find((p) => p === guestPort);
    if (port === undefined) throw new Error(`guest port ${guestPort} is not forwarded to the host`);
    return port;
  }

  async shutdown(timeoutMs: number): Promise<ShutdownOutcome> {
    if (this.ended) return 'clean';
    const gone = this.exited.then(() => 'clean' as const);
    const asked = await this.qmp([{ execute: 'system_powerdown' }]).then(
      () => true,
      () => false,
    );
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'forced'>(
      (resolve) => (timer = setTimeout(() => resolve('forced'), asked ? timeoutMs : 0)),
    );
    const outcome = await Promise.race([gone, late]);
    clearTimeout(timer);
    if (outcome === 'forced') await this.stop();
    return outcome;
  }

  async attachDisk(disk: VmDataDisk): Promise<void> {
    checkDiskName(disk.name);
    if (this.ended) throw new Error(`the VM has ended: ${disk.name} cannot be attached`);
    const fdSet = this.nextFdSet++;
    const file = await open(disk.path, 'r+');
    try {
      await this.qmp(
        [
          { execute: 'add-fd', arguments: { 'fdset-id': fdSet }, 'pass-fd': true },
          {
            execute: 'blockdev-add',
            arguments: {
              driver: 'raw',
              'node-name': disk.name,
              file: { driver: 'file', filename: `/dev/fdset/${fdSet}` },
            },
          },
          { execute: 'device_add', arguments: deviceArguments(dataDiskDevice(disk)) },
        ],
        file.fd,
      );
      this.fdSets.set(disk.name, fdSet);
    } finally {
      // QEMU holds its own copy of the descriptor.
      await file.close();
    }
  }

  async detachDisk(name: string, timeoutMs: number): Promise<void> {
    checkDiskName(name);
    if (this.ended) return;
    const fdSet = this.fdSets.get(name);
    await this.qmp([
      { execute: 'device_del', arguments: { id: `disk-${name}` } },
      { 'wait-event': 'DEVICE_DELETED', data: { device: `disk-${name}` }, timeout: timeoutMs / 1000 },
      { execute: 'blockdev-del', arguments: { 'node-name': name } },
      ...(fdSet === undefined ? [] : [{ execute: 'remove-fd', arguments: { 'fdset-id': fdSet } }]),
    ]);
    this.fdSets.delete(name);
  }

  /** Runs QMP `steps` (qmp-run.py) once the uses before it are done; `fd` goes along with the step that asks for it. */
  private qmp(steps: object[], fd?: number): Promise<unknown[]> {
    const run = () =>
      new Promise<unknown[]>((resolve, reject) => {
        const child = spawn('python3', [QMP_RUN, this.qmpSocket(), JSON.stringify(steps)], {
          stdio: ['ignore', 'pipe', 'pipe', ...(fd === undefined ? [] : [fd])],
        });
        let out = '';
        let err = '';
        child.stdout!.on('data', (chunk) => (out += chunk));
        child.stderr!.on('data', (chunk) => (err += chunk));
        child.once('error', reject);
        child.once('close', (code) =>
          code === 0
            ? resolve(JSON.parse(out) as unknown[])
            : reject(new Error(err.trim() || `qmp-run.py exited ${code}`)),
        );
      });
    const turn = this.qmpTurn.then(run, run);
    this.qmpTurn = turn.catch(() => undefined);
    return turn;
  }

  private console(chunk: string) {
    // Cleaned by whole lines, so a sequence split between two chunks is still found.
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop()!;
    for (const line of parts.map(clean)) {
      this.lines.push(line);
      this.options.serial(line);
      this.check(line);
    }
    if (this.lines.length > KEPT_LINES) this.lines.splice(0, this.lines.length - KEPT_LINES);
    // A prompt ends without a newline: it is matched while the console waits on it.
    if (this.partial !== '') this.check(clean(this.partial));
  }

  private check(text: string) {
    for (const waiter of this.waiters) if (waiter.pattern.test(text)) waiter.resolve({ seconds: this.seconds() });
  }

  private seconds() {
    return (performance.now() - this.startedAt) / 1000;
  }

  private end(exit: VmExit) {
    if (this.partial !== '') {
      this.lines.push(clean(this.partial));
      this.options.serial(clean(this.partial));
      this.partial = '';
    }
    this.ended = exit;
    if (this.dir) void rm(this.dir, { recursive: true, force: true });
    const how = exit.signal ?? `exit ${exit.code}`;
    for (const waiter of this.waiters)
      waiter.fail(`the VM ended (${how})${exit.stderr === '' ? '' : `; QEMU said: ${exit.stderr}`}`);
    this.resolveExited(exit);
  }

  lastSerialLines(n: number): string[] {
    return [...this.lines, ...(this.partial === '' ? [] : [clean(this.partial)])].slice(-n);
  }

  waitFor(pattern: RegExp, timeoutMs: number): Promise<{ seconds: number }> {
    const once = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
    if (this.lastSerialLines(KEPT_LINES).some((line) => once.test(line)))
      return Promise.resolve({ seconds: this.seconds() });
    if (this.ended) return Promise.reject(new Error(this.failure(`the VM had ended`, pattern)));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        pattern: once,
        resolve: (value) => {
          done();
          resolve(value);
        },
        fail: (why) => {
          done();
          reject(new Error(this.failure(why, pattern)));
        },
      };
      const timer = setTimeout(() => waiter.fail(`${timeoutMs / 1000} s passed`), timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
    });
  }

  private failure(why: string, pattern: RegExp): string {
    const last = this.lastSerialLines(20);
    const lines = last.length === 0 ? ' (none)' : `\n${last.map((line) => `  ${line}`).join('\n')}`;
    return `the serial console of ${this.disk.path} showed no ${pattern}: ${why}; its last lines:${lines}`;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    killGroup(this.child);
    await this.exited;
  }
}

const clean = (line: string) => line.replace(TERMINAL_CONTROL, '');
/** A data disk's device: its id from its name, its serial the name, as the guest sees it, with its sector size. */
const dataDiskDevice = ({ name, sectorSize }: VmDataDisk) =>
  `virtio-blk-pci,drive=${name},id=disk-${name},serial=${name}` +
  (sectorSize ? `,logical_block_size=${sectorSize},physical_block_size=${sectorSize}` : '');
/** A `-device` option list as QMP's device_add arguments (QMP wants sizes as numbers; names begin with a letter). */
const deviceArguments = (option: string) => {
  const [driver, ...rest] = option.split(',');
  const value = (text: string) => (/^\d+$/.test(text) ? Number(text) : text);
  return {
    driver,
    ...Object.fromEntries(rest.map((pair) => pair.split('=')).map(([key, text]) => [key, value(text)])),
  };
};

function checkDiskName(name: string) {
  if (!DISK_NAME.test(name)) throw new Error(`'${name}' is not a data disk name (${DISK_NAME})`);
}
/** QEMU's option lists split at commas; a comma in a value is written twice. */
const escape = (value: string) => value.replaceAll(',', ',,');

/** A port on 127.0.0.1 nobody listens on now (QEMU binds it a moment later; a clash starts QEMU again). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** SIGKILL to QEMU's whole process group (setpriv became QEMU, the group's leader). */
function killGroup(child: ChildProcess) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
}
