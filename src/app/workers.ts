/** The job workers of one process, over the stores `openKiln` picked: `kiln serve` and `kiln build` both run them. */
import { join } from 'node:path';
import { createQemuVmDriver } from '../adapters/qemu-vm-driver.ts';
import { createSshCommunicator } from '../adapters/ssh-communicator.ts';
import type { FetchLike } from '../imaging/customizers/download-into-image.ts';
import type { ResourceManager } from '../ports/resource-manager.ts';
import { createTasks } from '../jobs/tasks/index.ts';
import { startWorker, type JobEvent, type Worker } from '../jobs/worker.ts';
import { operatorBuildSettings, vmBootTimeoutSeconds, type OperatorBuildSettings } from './config.ts';
import { vmSettings } from '../domain/virtual-machines/capacity.ts';
import { resumeMachines } from '../domain/virtual-machines/resume-machines.ts';
import { watchNodes } from '../jobs/node-watch.ts';
import { removeStrayFolders } from '../jobs/tasks/machine-folders.ts';
import { MachineHost } from '../imaging/machines/machine-host.ts';
import { confineQemu, confineSshClient } from './vm-confinement.ts';
import type { Kiln } from './kiln.ts';

const STORAGE_AUDIENCE = 'https://storage.azure.com/';

export interface WorkerPoolOptions {
  dataDir: string;
  workers: number;
  leaseMs?: number;
  pollMs?: number;
  onError?: (error: unknown, job?: { id: string; task: string }) => void;
  onJobEvent?: (event: JobEvent) => void;
  /** Customizer scripts share the host's network; when unset, `build.customizerNetwork` in config.json decides (default off). */
  customizerNetwork?: boolean;
  /** Limits, downloads and log size, already checked; when unset, read from config.json now. */
  build?: OperatorBuildSettings;
  /** How builds fetch Kiln's own blob URLs: in-process where this process serves the API (self-fetch.ts), else over the network. */
  selfFetch?: FetchLike;
  /** How late a line of a run's live log may reach its readers; unset, a second (live-log-writer.ts). */
  logFlushMs?: number;
  /** Every build boots its image to a login prompt; when unset, `build.bootCheck` in config.json decides (default off). */
  bootCheck?: boolean;
  /** What the VM driver says once (which accelerator VMs run under); standard error when unset. */
  onVmNotice?: (text: string) => void;
  /**
   * This process as a node of the service (`kiln serve`): it registers and watches the other nodes
   * (jobs/node-watch.ts), runs the VMs placed on it, and starts again those that were running. A
   * local build is no node: it runs no VM.
   */
  node?: { id: string; heartbeatMs: number; deadAfterMs: number };
  /** Kiln's own API in this process, which deployments call as their principal; they wait where it is absent. */
  resources?: ResourceManager;
}

export function startWorkers(kiln: Kiln, options: WorkerPoolOptions): { stop(): Promise<void> } {
  const { vm, ...build } = options.build ?? operatorBuildSettings(kiln.config);
  const communicator = createSshCommunicator({ confine: confineSshClient });
  // The driver is the process's: its limit on VMs at once holds across all workers.
  const driver = createQemuVmDriver({
    capacity: vm.capacity,
    onNotice: options.onVmNotice ?? ((text) => process.stderr.write(`kiln: ${text}\n`)),
    confine: confineQemu,
  });
  // Users' VMs have a driver of their own: their limit is the VMs' capacity, and a build never waits behind them.
  const vms = vmSettings(kiln.domain);
  const machines = new MachineHost(
    createQemuVmDriver({
      capacity: { vms: vms.maxCores, cpus: vms.maxCores, memoryMiB: vms.maxMemoryMiB },
      onNotice: options.onVmNotice ?? ((text) => process.stderr.write(`kiln: ${text}\n`)),
      confine: confineQemu,
    }),
  );
  const machinesRoot = join(options.dataDir, 'machines');
  const tasks = createTasks(
    kiln.domain,
    {
      workRoot: workRoot(options.dataDir),
      customizerNetwork: options.customizerNetwork ?? kiln.config.build?.customizerNetwork ?? false,
      ...build,
      ...(options.logFlushMs ? { logFlushMs: options.logFlushMs } : {}),
      guest: {
        driver,
        communicator,
        timeoutSeconds: vm.bootCheckTimeoutSeconds,
      },
      ...((options.bootCheck ?? vm.bootCheck)
        ? { bootCheck: { driver, timeoutSeconds: vm.bootCheckTimeoutSeconds } }
        : {}),
      ownBlobs: {
        storageToken: async (clientId) =>
          (await kiln.authority.issueIdentityToken(clientId, STORAGE_AUDIENCE)).accessToken,
        fetch: options.selfFetch ?? fetch,
      },
    },
    {
      host: machines,
      node: options.node?.id ?? 'local-build',
      root: machinesRoot,
      bootTimeoutSeconds: vmBootTimeoutSeconds(kiln.config),
      communicator,
      onError: options.onError ?? (() => {}),
    },
    options.resources,
  );
  const workers: Worker[] = [];
  for (let i = 0; i < options.workers; i++) {
    workers.push(
      startWorker({
        store: kiln.store,
        queue: kiln.queue,
        tasks,
        clock: kiln.domain.clock,
        leaseMs: options.leaseMs,
        pollMs: options.pollMs,
        node: options.node?.id,
        onError: options.onError,
        onEvent: options.onJobEvent,
      }),
    );
  }
  const node = options.node;
  const onError = (error: unknown) => options.onError?.(error);
  // The VMs placed here run again; folders of VMs placed elsewhere (or gone) go.
  const resume = async (id: string) => {
    await removeStrayFolders(machinesRoot, () => resumeMachines(kiln.domain, id));
  };
  const watching = node
    ? watchNodes({
        store: kiln.store,
        queue: kiln.queue,
        clock: kiln.domain.clock,
        node: node.id,
        heartbeatMs: node.heartbeatMs,
        deadAfterMs: node.deadAfterMs,
        onFenced: () => machines.stopAll(),
        onRegistered: () => resume(node.id),
        onError,
      })
    : undefined;
  watching?.catch(onError);
  return {
    stop: async () => {
      await (await watching?.catch(() => undefined))?.stop();
      await Promise.all(workers.map((w) => w.stop()));
      await machines.stopAll();
    },
  };
}

/** Where builds keep their working files, one folder per run. */
export const workRoot = (dataDir: string) => join(dataDir, 'work');
