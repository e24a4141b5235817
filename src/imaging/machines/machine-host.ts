/**
 * The machines one Kiln process runs for users (`Microsoft.Compute/virtualMachines`), as opposed to
 * the short-lived VMs of builds: each boots its own disk file with its writes kept, cloud-init's
 * NoCloud seed for its first-boot provisioning (an instance id that stays the VM's, so provisioning
 * runs once, as on Azure), its serial console appended to a capped file (boot diagnostics), and its
 * guest ports published on its own address.
 *
 * Invariants: at most one machine per key; a start waits until the guest's serial console shows a
 * login prompt (the guest booted and started its services) and, in an image with cloud-init, until
 * cloud-init says it finished (provisioning and custom data done), or fails with the console's last
 * lines and nothing left running; a machine ends with the process (the driver's guarantee); whoever keeps
 * the machines' desired state starts them again after a restart. A machine's data disks are known by
 * the id their owner gives them: those it booted with and those hot-plugged since, until unplugged.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { GuestAgent } from '../../ports/guest-communicator.ts';
import type { NoCloudSeed, Vm, VmDataDisk, VmDriver, VmFirmware } from '../../ports/vm-driver.ts';
import { openSerialFile } from '../guest/serial-capture.ts';

/** A data disk of a machine: the guest's disk `name` (vm-driver.ts), its owner's `id` for it. */
export interface MachineDataDisk extends VmDataDisk {
  id: string;
}

export interface MachineSpec {
  /** Who the machine is (the VM's `vmId`, one for each VM ever made). */
  key: string;
  /** Its raw disk file, written by the guest. */
  disk: string;
  /** Its data disks, in the order the guest sees them. */
  dataDisks: MachineDataDisk[];
  firmware: VmFirmware;
  memoryMiB: number;
  cpus: number;
  /** Its own host address and the guest ports reachable there. */
  publish: { address: string; ports: number[] };
  /**
   * Whether the guest may open connections out (NAT through the host, whose loopback it then reaches
   * too: QEMU's user network cannot tell them apart), or reaches nothing but its published ports' peers.
   */
  outbound: boolean;
  seed: NoCloudSeed;
  /** Where its serial console is appended. */
  serialLog: string;
  /** How long the boot may take to show a login prompt. */
  bootTimeoutMs: number;
  /** Kiln's agent in the guest (run command); its port is forwarded to the host's loopback. */
  agent?: GuestAgent;
}

const LOGIN_PROMPT = /login:/;
/** How long the agent may take to answer a running VM (its sshd is up once the VM is provisioned). */
const AGENT_CONNECT_MS = 60_000;
/** What cloud-init prints when its last stage is done: the VM is provisioned (custom data ran). */
const PROVISIONED = /Cloud-init v\. \S+ finished at/;

interface Machine {
  vm: Vm;
  agent?: GuestAgent;
  /** The guest's name of each data disk it holds, by id (lower-cased). */
  disks: Map<string, string>;
}

/** How long a guest may take to let a data disk go. */
const DETACH_MS = 120_000;

export class MachineHost {
  private readonly machines = new Map<string, Machine>();
  private readonly afterStop = new Set<() => Promise<void>>();

  constructor(private readonly driver: VmDriver) {}

  isRunning(key: string): boolean {
    return this.machines.has(key);
  }

  /** Boots the machine and resolves once it has reached its login prompt, with the seconds it took. */
  async start(spec: MachineSpec): Promise<{ seconds: number; accelerator: string }> {
    if (this.machines.has(spec.key)) throw new Error(`The machine ${spec.key} is running already.`);
    await mkdir(dirname(spec.serialLog), { recursive: true });
    const serial = openSerialFile(spec.serialLog);
    let cloudInit = false;
    serial.line(
      `---- Kiln boots the VM (${spec.cpus} vCPU, ${spec.memoryMiB} MiB, ${spec.firmware.toUpperCase()}) ----`,
    );
    let vm: Vm;
    try {
      vm = await this.driver.boot(
        { path: spec.disk, format: 'raw' },
        {
          memoryMiB: spec.memoryMiB,
          cpus: spec.cpus,
          firmware: spec.firmware,
          persistent: true,
          dataDisks: spec.dataDisks.map(({ name, path, sectorSize }) => ({ name, path, sectorSize })),
          network: {
            forwardPorts: spec.agent ? [spec.agent.guestPort] : [],
            outbound: spec.outbound,
            publish: spec.publish,
          },
          seed: spec.seed,
          serial: (line) => {
            cloudInit ||= line.includes('cloud-init');
            serial.line(line);
          },
        },
      );
    } catch (error) {
      serial.end();
      throw error;
    }
    const machine: Machine = {
      vm,
      agent: spec.agent,
      disks: new Map(spec.dataDisks.map((disk) => [disk.id.toLowerCase(), disk.name])),
    };
    this.machines.set(spec.key, machine);
    void vm.exited.then(() => {
      serial.end();
      if (this.machines.get(spec.key) === machine) this.machines.delete(spec.key);
    });
    try {
      const started = performance.now();
      let { seconds } = await vm.waitFor(LOGIN_PROMPT, spec.bootTimeoutMs);
      // cloud-init's last stage (custom data, per-boot scripts) runs after the prompt shows: a VM is
      // provisioned once it says it finished, as Azure waits for its provisioning agent.
      if (cloudInit)
        ({ seconds } = await vm.waitFor(PROVISIONED, Math.max(1, spec.bootTimeoutMs - (performance.now() - started))));
      return { seconds, accelerator: vm.accelerator };
    } catch (error) {
      await vm.stop();
      throw error;
    }
  }

  /** Powers the machine off (ACPI, hard after `timeoutMs`), or at once when `hard`; nothing when it is not running. */
  async stop(key: string, options: { hard?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const vm = this.machines.get(key)?.vm;
    if (!vm) return;
    if (options.hard) await vm.stop();
    else await vm.shutdown(options.timeoutMs ?? 60_000);
    await vm.exited;
  }

  /** Whether the running machine holds the data disk `id`. */
  holds(key: string, id: string): boolean {
    return this.machines.get(key)?.disks.has(id.toLowerCase()) ?? false;
  }

  /** Hot-plugs a data disk into the running machine. */
  async attach(key: string, disk: MachineDataDisk): Promise<void> {
    const machine = this.running(key);
    await machine.vm.attachDisk({ name: disk.name, path: disk.path, sectorSize: disk.sectorSize });
    machine.disks.set(disk.id.toLowerCase(), disk.name);
  }

  /** Hot-unplugs the data disk `id`, once the guest has let it go; nothing when the machine does not hold it. */
  async detach(key: string, id: string): Promise<void> {
    const machine = this.machines.get(key);
    const name = machine?.disks.get(id.toLowerCase());
    if (!machine || name === undefined) return;
    await machine.vm.detachDisk(name, DETACH_MS);
    machine.disks.delete(id.toLowerCase());
  }

  /**
   * Runs `work` when `stopAll` has stopped every machine, before it returns: what must still happen
   * once a machine is off (its console's last copy) then happens before the process lets go of its
   * stores, not after. The function returned forgets `work` (its machine ended on its own).
   */
  afterStopAll(work: () => Promise<void>): () => void {
    this.afterStop.add(work);
    return () => void this.afterStop.delete(work);
  }

  /** Hard-stops every machine (the process is ending, or its node is fenced), then runs what waits for that. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.machines.values()].map(({ vm }) => vm.stop()));
    const waiting = [...this.afterStop];
    this.afterStop.clear();
    await Promise.all(waiting.map((work) => work().catch(() => undefined)));
  }

  /** Runs `argv` as the guest's administrator through Kiln's agent; resolves with its output lines and exit code. */
  async run(key: string, argv: string[], signal: AbortSignal): Promise<{ lines: string[]; exitCode: number }> {
    const machine = this.running(key);
    if (!machine.agent) throw new Error('The VM has no Kiln agent: it was booted without one.');
    const session = await machine.agent.connect(machine.vm, { timeoutMs: AGENT_CONNECT_MS, signal });
    const lines: string[] = [];
    const exitCode = await session.run(argv, { output: (line) => lines.push(line), signal });
    return { lines, exitCode };
  }

  private running(key: string): Machine {
    const machine = this.machines.get(key);
    if (!machine) throw new Error('The VM is not running on this host.');
    return machine;
  }
}
