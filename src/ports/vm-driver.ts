/**
 * Booting a disk image as a virtual machine: the boot check waits for a login prompt on its serial
 * console, the validate stage and the VM build mode reach the guest through a communicator
 * (guest-communicator.ts) over a forwarded port. What every driver guarantees:
 *
 * - The disk is not changed unless `persistent`: the VM writes to a throwaway overlay (a boot check
 *   or a validation proves the image, it must not alter it).
 * - The VM has no network unless `network` asks for one; then the host reaches the guest's listed
 *   TCP ports on 127.0.0.1 only (`hostPort`), or its published ports on the VM's own address, and
 *   the guest reaches nothing beyond the VM unless `outbound` (then it has NAT to whatever the host
 *   reaches, the host's loopback included).
 * - A `seed` reaches the guest as cloud-init's NoCloud data source (a small drive labelled CIDATA).
 * - Every line the serial console prints goes to `serial`, in order, without carriage returns or
 *   terminal control sequences.
 * - No VM outlives its caller: `stop()`, an abort of `signal` and the end of the calling process (a
 *   kill -9 included) each end it, hard; `shutdown()` asks the guest first.
 * - A driver runs a bounded number of VMs, vCPUs and MiB of memory at once; `boot` waits its turn,
 *   first come first served, an abort while waiting leaves the queue without booting, and a VM that
 *   could never fit is refused at once.
 * - Data disks are raw files whose writes are always kept. The guest sees the boot disk first, then
 *   the data disks in the order given, each with its `name` as its serial number (Linux:
 *   `/dev/disk/by-id/virtio-<name>`); a running VM takes more (`attachDisk`) and lets them go
 *   (`detachDisk`) as hardware it hot-plugs, and holds no file a detach has returned from.
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

/** A data disk: a raw file the guest writes to, which it knows by `name` (a letter, then letters, digits, `-` or `_`: 20 at most). */
export interface VmDataDisk {
  name: string;
  path: string;
  /** The logical (and physical) sector size the guest sees, as Azure's `logicalSectorSize`: 512 when left out. */
  sectorSize?: 512 | 4096;
}

export interface VmBootOptions {
  memoryMiB: number;
  cpus: number;
  /** BIOS when left out. */
  firmware?: VmFirmware;
  /** Each line of the serial console. */
  serial(line: string): void;
  /** The guest's writes go to the disk itself (a build inside the VM), not to a throwaway overlay. */
  persistent?: boolean;
  /** Data disks, after the boot disk in this order. */
  dataDisks?: VmDataDisk[];
  /** A network card; none when left out. */
  network?: VmNetwork;
  /** cloud-init's NoCloud data: the guest's first-boot configuration. */
  seed?: NoCloudSeed;
  /** Aborting stops the VM (or its wait for a turn). */
  signal?: AbortSignal;
}

export interface VmNetwork {
  /** Guest TCP ports the host reaches on 127.0.0.1, each at the port `Vm.hostPort` gives. */
  forwardPorts: number[];
  /**
   * Guest TCP ports published at the same port on a host address of the VM's own (a loopback
   * address such as 127.100.0.4, as an Azure VM has its public IP): `ssh user@127.100.0.4` reaches
   * the guest's port 22. The boot fails when another process holds one of them.
   */
  publish?: { address: string; ports: number[] };
  /** The guest may open connections out (NAT through the host); otherwise it reaches nothing. */
  outbound: boolean;
}

/** cloud-init's NoCloud files, as its documentation names them. */
export interface NoCloudSeed {
  metaData: string;
  userData: string;
}

/** How a shutdown ended: the guest powered off when asked, or was stopped hard after the timeout. */
export type ShutdownOutcome = 'clean' | 'forced';

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
  /** The host port on 127.0.0.1 that reaches `guestPort` (one of the network's `forwardPorts`). */
  hostPort(guestPort: number): number;
  /** Asks the guest to power off (ACPI), stops it hard when `timeoutMs` passes first; resolves once it is gone. */
  shutdown(timeoutMs: number): Promise<ShutdownOutcome>;
  /** Ends the VM at once (a hard stop) and resolves when it is gone. */
  stop(): Promise<void>;
  /** Hot-plugs a data disk; resolves once the VM holds it (the guest finds it a moment later). */
  attachDisk(disk: VmDataDisk): Promise<void>;
  /**
   * Hot-unplugs the data disk named `name`: the guest is asked to let it go, and the VM to close it.
   * Resolves once it holds the file no more; rejects when the guest has not let it go within `timeoutMs`.
   */
  detachDisk(name: string, timeoutMs: number): Promise<void>;
  /** Resolves when the VM has ended, for whatever reason; never rejects. */
  readonly exited: Promise<VmExit>;
}

export interface VmDriver {
  /**
   * Boots `disk`, once a turn is free; rejects when the hypervisor cannot start, the VM could never
   * fit the driver's limits, or the signal aborts first.
   */
  boot(disk: VmDisk, options: VmBootOptions): Promise<Vm>;
}
