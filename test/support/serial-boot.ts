/**
 * Boots a disk under QEMU with TCG (no KVM here or in CI) and reads its serial console until a
 * pattern appears. The disk is opened with snapshot=on, so booting never changes it. QEMU is always
 * killed: when the pattern appears, on timeout, when it fails, and when the test process exits. It
 * runs in a process group of its own, which is killed whole, and dies with the test process even
 * when that is killed outright (setpriv's parent-death signal).
 */
import { spawn } from 'node:child_process';

export interface BootOptions {
  /** The disk's format as qemu names it: raw, or vpc for a VHD. */
  format?: 'raw' | 'vpc';
  /** What the serial console shows when the boot is done; /login:/ by default. */
  until?: RegExp;
  timeoutMs?: number;
  memoryMiB?: number;
}

export interface BootResult {
  /** The serial console up to and including the match, without carriage returns. */
  serial: string;
  seconds: number;
}

const LAST_LINES = 40;

/** Boots `disk` and resolves once its serial console matches `until`; rejects on timeout or when QEMU stops first. */
export function bootToPrompt(disk: string, options: BootOptions = {}): Promise<BootResult> {
  const until = new RegExp(options.until?.source ?? 'login:', options.until?.flags.replace(/[gy]/g, ''));
  const timeoutMs = options.timeoutMs ?? 180_000;
  // -drive splits its options at commas; a comma in the path is written twice. A VHD's size is its
  // footer's current size, as Azure and Hyper-V read it, not qemu's default guess from the CHS geometry.
  const format = options.format === 'vpc' ? 'vpc,force_size_calc=current_size' : 'raw';
  const drive = `file=${disk.replaceAll(',', ',,')},format=${format},if=virtio,snapshot=on`;
  const qemu = [
    'qemu-system-x86_64',
    ...['-accel', 'tcg', '-m', String(options.memoryMiB ?? 512), '-nographic', '-nodefaults', '-no-reboot'],
    ...['-serial', 'stdio', '-drive', drive],
  ];
  const started = performance.now();
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', ...qemu], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killGroup = () => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is gone already.
    }
  };
  process.on('exit', killGroup);

  return new Promise((resolve, reject) => {
    let serial = '';
    let stderr = '';
    let settled = false;
    const lastLines = () => serial.split('\n').slice(-LAST_LINES).join('\n');
    const settle = (failure?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      killGroup();
      process.off('exit', killGroup);
      const seconds = (performance.now() - started) / 1000;
      if (failure === undefined) resolve({ serial, seconds });
      else {
        const qemuSaid = stderr.trim() === '' ? '' : `\nqemu's stderr:\n${stderr.trim()}`;
        reject(new Error(`${failure} after ${seconds.toFixed(1)} s; last serial lines:\n${lastLines()}${qemuSaid}`));
      }
    };
    const timer = setTimeout(() => settle(`booting ${disk} showed no ${until} on its serial console`), timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      serial += chunk.replaceAll('\r', '');
      if (until.test(serial)) settle();
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => settle(`qemu could not start: ${error.message}`));
    child.on('exit', (code, signal) =>
      settle(`qemu stopped (${signal ?? `exit ${code}`}) before its serial console showed ${until}`),
    );
  });
}
