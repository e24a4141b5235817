/**
 * Booting a disk image as a virtual machine, to see what it does: the boot check waits for a login
 * prompt on its serial console. What every driver guarantees:
 *
 * - The disk is never changed: the VM writes to a throwaway overlay (a boot check proves the image,
 *   it must not alter it).
 * - The VM has no network.
 * - Every line the serial console prints goes to `serial`, in order, without carriage returns or
 *   terminal control sequences.
 * - No VM outlives its caller: `stop()`, an abort of `signal` and the end of the calling process (a
 *   kill -9 included) each end it, hard (no clean shutdown yet).
 * - A driver runs a bounded number of VMs at once; `boot` waits its turn, first come first served,
 *   and an abort while waiting leaves the queue without booting.
 */

/** A disk to boot, as its file holds it: raw, or a VHD (`vpc`, its size read from the footer as Azure does). */
export interface VmDisk {
  path: string;
  format: 'raw' | 'vpc';
}

/**
 * The firmware the VM starts: a PC BIOS, as Azure's Generation 1 (`hyperVGeneration: V1`) machines
 * have, or UEFI, as Generation 2 (`V2`) machines have.
 */
export type VmFirmware = 'bios' | 'uefi';

export interface VmBootOptions {
  memoryMiB: number;
  cpus: number;
  /** BIOS when left out. */
  firmware?: VmFirmware;
  /** Each line of the serial console. */
  serial(line: string): void;
  /** Aborting stops the VM (or its wait for a turn). */
  signal?: AbortSignal;
}

/** How the VM's CPU runs: hardware virtualization, or emulation (slower, but works everywhere). */
export type Accelerator = 'kvm' | 'tcg';

/** How a VM ended: its exit code or signal, and what the hypervisor said on its way out. */
export interface VmExit {
  code: number | null;
  signal: string | null;
  /** The hypervisor's own messages (not the guest's), trimmed. */
  stderr: string;
}

export interface Vm {
  /** The accelerator this VM runs under (after any fallback the driver made). */
  readonly accelerator: Accelerator;
  /**
   * Resolves once the serial console has shown `pattern` (counting what it showed before the call),
   * with the seconds since the boot started. Rejects when `timeoutMs` passes, the VM ends or the
   * boot's signal aborts first; the error's message carries the console's last lines.
   */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<{ seconds: number }>;
  /** The console's last `n` lines. */
  lastSerialLines(n: number): string[];
  /** Ends the VM at once (a hard stop) and resolves when it is gone. */
  stop(): Promise<void>;
  /** Resolves when the VM has ended, for whatever reason; never rejects. */
  readonly exited: Promise<VmExit>;
}

export interface VmDriver {
  /** Boots `disk`, once a turn is free; rejects when the hypervisor cannot start or the signal aborts first. */
  boot(disk: VmDisk, options: VmBootOptions): Promise<Vm>;
}
