/**
 * Boots a disk with Kiln's own VM driver (adapters/qemu-vm-driver.ts: snapshot=on, so booting never
 * changes it; KVM, else TCG; no QEMU outlives the test process) and reads its serial console until a
 * pattern appears, then stops the VM. For tests and benchmarks that show an image boots.
 */
import { createQemuVmDriver } from '../../src/adapters/qemu-vm-driver.ts';
import type { VmFirmware } from '../../src/ports/vm-driver.ts';

export interface BootOptions {
  /** The disk's format as qemu names it: raw, or vpc for a VHD. */
  format?: 'raw' | 'vpc';
  /** What the serial console shows when the boot is done; /login:/ by default. */
  until?: RegExp;
  timeoutMs?: number;
  memoryMiB?: number;
  /** BIOS by default; UEFI boots a Generation 2 image. */
  firmware?: VmFirmware;
}

export interface BootResult {
  /** The serial console up to the match and a little past it, one line per line. */
  serial: string;
  seconds: number;
}

/** Boots `disk` and resolves once its serial console matches `until`; rejects (with its last lines) on timeout or when the VM ends first. */
export async function bootToPrompt(disk: string, options: BootOptions = {}): Promise<BootResult> {
  const lines: string[] = [];
  const vm = await createQemuVmDriver().boot(
    { path: disk, format: options.format ?? 'raw' },
    { memoryMiB: options.memoryMiB ?? 512, cpus: 1, firmware: options.firmware, serial: (line) => lines.push(line) },
  );
  try {
    const { seconds } = await vm.waitFor(options.until ?? /login:/, options.timeoutMs ?? 180_000);
    // Stopped first: the VM then hands over the line it was still printing (a prompt has no newline).
    await vm.stop();
    return { serial: lines.join('\n'), seconds };
  } finally {
    await vm.stop();
  }
}
