/**
 * The VM driver on QEMU (`qemu-system-x86_64`): the disk opened with `snapshot=on` (writes go to a
 * throwaway overlay, so the image never changes), as a virtio disk, no network (`-nic none`), no
 * default devices or display, the serial console on stdio read line by line, and `-no-reboot`, so
 * a guest that reboots or panics ends the VM instead of looping.
 *
 * **KVM or TCG.** KVM is used when /dev/kvm can be opened, TCG otherwise. On some hosts /dev/kvm
 * opens and KVM even runs the firmware, then fails later ("KVM internal error", with QEMU pausing
 * the guest rather than exiting): a probe that boots nothing would pass there. So the real boot is
 * the probe: QEMU's stderr is watched, and when it says KVM failed the VM is killed and booted
 * again under TCG, and every later VM of this process uses TCG at once. The choice is the
 * process's (module state), told once through `onNotice`; each VM reports its own `accelerator`.
 *
 * **No QEMU outlives its caller.** QEMU runs under `setpriv --pdeathsig KILL` (util-linux), so the
 * kernel kills it when this process dies, even by kill -9, and in a process group of its own, killed
 * whole on stop, abort, and this process's exit.
 *
 * **Limits.** One driver runs at most `maxRunning` VMs at once (`build.vm.maxRunning`); more wait
 * in a FIFO, each turn held from the boot until its QEMU has exited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Accelerator, Vm, VmBootOptions, VmDisk, VmDriver, VmExit } from '../ports/vm-driver.ts';

export interface QemuVmDriverOptions {
  /** VMs this driver runs at once; more wait their turn, first come first served. Default 1. */
  maxRunning?: number;
  /** Told, once per process, which accelerator VMs run under and why. */
  onNotice?: (text: string) => void;
}

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
/** Console lines a VM keeps for `waitFor` failures and `lastSerialLines`. */
const KEPT_LINES = 200;

/** The process's accelerator: KVM until it fails once, then TCG for good. */
const host = { kvmFailed: undefined as string | undefined, told: new Set<string>() };

function tellOnce(onNotice: ((text: string) => void) | undefined, text: string) {
  if (host.told.has(text)) return;
  host.told.add(text);
  onNotice?.(text);
}

async function chooseAccelerator(onNotice?: (text: string) => void): Promise<Accelerator> {
  if (host.kvmFailed === undefined) {
    try {
      await access('/dev/kvm', constants.R_OK | constants.W_OK);
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

/** A FIFO of turns: `take` resolves when one is free, or rejects when `signal` aborts first. */
class Turns {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly max: number) {}

  async take(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.running >= this.max) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          this.waiting.splice(this.waiting.indexOf(granted), 1);
          reject(signal!.reason);
        };
        const granted = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        this.waiting.push(granted);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    } else this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The turn passes straight to the next in line, so `running` stays as it is.
      if (next) next();
      else this.running--;
    };
  }
}

export function createQemuVmDriver(options: QemuVmDriverOptions = {}): VmDriver {
  const maxRunning = options.maxRunning ?? 1;
  if (!Number.isInteger(maxRunning) || maxRunning < 1) throw new Error(`maxRunning must be a whole number ≥ 1`);
  const turns = new Turns(maxRunning);
  return {
    async boot(disk, boot) {
      const release = await turns.take(boot.signal);
      try {
        const vm = new QemuVm(disk, boot, await chooseAccelerator(options.onNotice), options.onNotice);
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

  constructor(
    private readonly disk: VmDisk,
    private readonly options: VmBootOptions,
    accelerator: Accelerator,
    private readonly onNotice?: (text: string) => void,
  ) {
    this.accelerator = accelerator;
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
    this.started = this.start();
    const onAbort = () => void this.stop();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    void this.exited.then(() => options.signal?.removeEventListener('abort', onAbort));
    if (options.signal?.aborted) onAbort();
  }

  private start(): Promise<void> {
    // -drive splits its options at commas; a comma in the path is written twice. A VHD's size is its
    // footer's current size, as Azure and Hyper-V read it, not qemu's default guess from the CHS geometry.
    const format = this.disk.format === 'vpc' ? 'vpc,force_size_calc=current_size' : 'raw';
    const drive = `file=${this.disk.path.replaceAll(',', ',,')},format=${format},if=virtio,snapshot=on`;
    const qemu = [
      'qemu-system-x86_64',
      ...(this.options.firmware === 'uefi' ? UEFI_FIRMWARE : []),
      ...['-accel', this.accelerator, '-m', String(this.options.memoryMiB), '-smp', String(this.options.cpus)],
      ...['-nodefaults', '-nographic', '-no-reboot', '-nic', 'none', '-serial', 'stdio', '-drive', drive],
    ];
    this.startedAt = performance.now();
    this.lines = [];
    this.partial = '';
    this.stderr = '';
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', ...qemu], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const kill = () => killGroup(child);
    process.on('exit', kill);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => this.console(chunk));
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
    child.once('close', (code, signal) => {
      process.off('exit', kill);
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

/** SIGKILL to QEMU's whole process group (setpriv became QEMU, the group's leader). */
function killGroup(child: ChildProcess) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
}
