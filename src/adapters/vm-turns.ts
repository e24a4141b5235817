/**
 * Turns for VMs on one host: a VM runs only while the VMs, vCPUs and memory of every running VM,
 * its own included, stay within the host's limits (`build.vm`). Turns are granted first come first
 * served: a large VM at the head of the queue is not overtaken by smaller ones behind it, so it
 * cannot starve. A VM larger than the limits themselves is refused at once, since no wait would help.
 */

/** What a VM holds while it runs. */
export interface VmSize {
  cpus: number;
  memoryMiB: number;
}

/** The host's limits on what its VMs hold at once. */
export interface VmCapacity extends VmSize {
  /** VMs at once. */
  vms: number;
}

interface Waiting {
  size: VmSize;
  grant(): void;
}

export class VmTurns {
  private readonly used: VmCapacity = { vms: 0, cpus: 0, memoryMiB: 0 };
  private readonly waiting: Waiting[] = [];

  constructor(private readonly limit: VmCapacity) {
    for (const [name, value] of Object.entries(limit))
      if (!Number.isInteger(value) || value < 1) throw new Error(`the VM limit ${name} must be a whole number ≥ 1`);
  }

  /** Resolves with the turn's release once `size` fits; rejects when it never can or `signal` aborts first. */
  async take(size: VmSize, signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (size.cpus > this.limit.cpus)
      throw new Error(`the VM needs ${size.cpus} vCPUs; this host runs VMs with ${this.limit.cpus} at most`);
    if (size.memoryMiB > this.limit.memoryMiB)
      throw new Error(
        `the VM needs ${size.memoryMiB} MiB of memory; this host gives its VMs ${this.limit.memoryMiB} MiB at most`,
      );
    if (this.waiting.length > 0 || !this.fits(size)) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          this.waiting.splice(this.waiting.indexOf(entry), 1);
          // The one that left may have been holding back those behind it.
          this.pump();
          reject(signal!.reason);
        };
        const entry: Waiting = {
          size,
          grant: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        this.waiting.push(entry);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    } else this.hold(size, +1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.hold(size, -1);
      this.pump();
    };
  }

  private fits(size: VmSize): boolean {
    return (
      this.used.vms + 1 <= this.limit.vms &&
      this.used.cpus + size.cpus <= this.limit.cpus &&
      this.used.memoryMiB + size.memoryMiB <= this.limit.memoryMiB
    );
  }

  private hold(size: VmSize, sign: 1 | -1) {
    this.used.vms += sign;
    this.used.cpus += sign * size.cpus;
    this.used.memoryMiB += sign * size.memoryMiB;
  }

  private pump() {
    while (this.waiting.length > 0 && this.fits(this.waiting[0].size)) {
      const next = this.waiting.shift()!;
      this.hold(next.size, +1);
      next.grant();
    }
  }
}
