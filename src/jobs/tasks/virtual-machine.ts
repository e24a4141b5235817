/**
 * The `virtualMachine.run` job: joins a VM's records (domain/virtual-machines/machine-jobs.ts) to the
 * machine host that runs it (imaging/machines/machine-host.ts). Each VM has a folder of its own on the
 * host, `<machines>/<vmId>/`: its disks as raw files while it holds an allocation (machine-disks.ts:
 * made from the disks' stored bytes when it first boots after a create or a deallocate) and its serial
 * console. The host knows a machine by its VM's `vmId`, so a VM made again under the same name is
 * never taken for the one before it.
 *
 * Invariants: the stored disks are brought up to date with the files whenever the VM stops (power
 * off, deallocate, delete with Detach) or lets a data disk go, so a snapshot, an image or a detached
 * disk sees what the guest wrote; deallocated, the VM has no files; every action can run again after
 * a crash (a create finds its disks, a start finds the VM running, a stop finds it stopped, a detach
 * finds the disk let go). A job that boots the VM writes its end itself, expecting the VM as it read
 * it: when a delete took the VM over meanwhile (or it is gone), the machine it started is stopped
 * rather than left running with no record (`overtaken`).
 *
 * A VM's jobs run on the node it is placed on (domain/virtual-machines/placement.ts): one claimed
 * elsewhere moves to that node's lane (`RunOnNode`); a VM is placed on a node by the first job that
 * boots it there, and leaves it when deallocated.
 */
import { join } from 'node:path';
import type { DomainContext } from '../../domain/context.ts';
import type { DiskRecord } from '../../domain/disks/disk.ts';
import { finishOperation, operationKey, type OperationData } from '../../domain/operations/operation.ts';
import { getResource } from '../../domain/shared/arm-resource.ts';
import { releaseCapacity } from '../../domain/virtual-machines/capacity.ts';
import { finishMachineDelete } from '../../domain/virtual-machines/delete-machine.ts';
import { holdDisk, releaseDisk } from '../../domain/virtual-machines/disk-holds.ts';
import {
  failMachine,
  machineOf,
  machinePlan,
  osDiskId,
  readyDisks,
  settle,
  type MachinePayload,
} from '../../domain/virtual-machines/machine-jobs.ts';
import { placeOn } from '../../domain/virtual-machines/placement.ts';
import { runCommandResult } from '../../domain/virtual-machines/run-command.ts';
import type {
  PowerState,
  VirtualMachineInternal,
  VirtualMachineRecord,
} from '../../domain/virtual-machines/virtual-machine.ts';
import type { MachineHost } from '../../imaging/machines/machine-host.ts';
import type { GuestCommunicator } from '../../ports/guest-communicator.ts';
import { ExpectationFailedError, type Write } from '../../ports/metadata-store.ts';
import { nodeIsPresent } from '../node-watch.ts';
import { RetryLater, RunOnNode, type TaskHandler } from '../task.ts';
import { continueConsole, mirrorConsole, saveConsole } from './machine-console.ts';
import { forgetMachine, machineFolder } from './machine-folders.ts';
import { diskFile, materialize, removeFile, seal, type DiskFile } from './machine-disks.ts';

export interface MachineSettings {
  host: MachineHost;
  /** This node's id: the VMs placed here are the ones it runs (placement.ts). */
  node: string;
  /** Where VMs keep their disk files and serial consoles, a folder each. */
  root: string;
  /** How long a VM may take to reach its login prompt. */
  bootTimeoutSeconds: number;
  /** How Kiln's agent reaches into VMs (run command). */
  communicator: GuestCommunicator;
  /** Failures of work beside a job (a console's mirror). */
  onError: (error: unknown) => void;
}

/** How long a guest may take to power off when asked, before it is stopped hard. */
const SHUTDOWN_MS = 60_000;

type Disks = NonNullable<Awaited<ReturnType<typeof readyDisks>>>;

export function virtualMachineTask(ctx: DomainContext, settings: MachineSettings): TaskHandler<MachinePayload> {
  const { host } = settings;
  const vmIdOf = (record: VirtualMachineRecord) => record.data.resource.properties.vmId;
  const folder = (vmId: string) => machineFolder(settings.root, vmId);
  const consoleFile = (record: VirtualMachineRecord) => join(folder(vmIdOf(record)), 'serial.log');
  /** The files of the VM's disks: the OS disk's, then the data disks' in LUN order. */
  const filesOf = (record: VirtualMachineRecord, disks: Disks) => {
    const dir = folder(vmIdOf(record));
    return {
      os: diskFile(dir, disks.os, true),
      data: disks.data.map(({ lun, disk }) => ({ lun, file: diskFile(dir, disk, false) })),
    };
  };
  /** The VM's disks, each made first if it makes them; RetryLater while one fills. */
  const disksOf = async (record: VirtualMachineRecord, payload: MachinePayload): Promise<Disks> => {
    const disks = await readyDisks(ctx, record, payload.creationData);
    if (!disks) throw new RetryLater(250, "waiting for the VM's disks to be made");
    return disks;
  };
  const holdAll = async (record: VirtualMachineRecord, disks: Disks, state: 'Attached' | 'Reserved') => {
    for (const disk of [disks.os, ...disks.data.map((d) => d.disk)])
      await holdDisk(ctx, record.data.resource, disk, state);
  };

  const boot = async (record: VirtualMachineRecord, disks: Disks, signal: AbortSignal) => {
    await holdAll(record, disks, 'Attached');
    const files = filesOf(record, disks);
    for (const file of [files.os, ...files.data.map((d) => d.file)]) await materialize(ctx, file, signal);
    const dir = folder(vmIdOf(record));
    const agent = await settings.communicator.agent(dir, record.data.internal.agentKey);
    const plan = await machinePlan(ctx, record, disks.os, agent);
    const serialLog = consoleFile(record);
    await continueConsole(ctx, record.data.resource, serialLog);
    // Mirrored from the boot's first line: a node that dies mid-boot leaves what its VM showed.
    let booting = true;
    mirrorConsole(
      ctx,
      record.data.resource,
      serialLog,
      () => booting || host.isRunning(vmIdOf(record)),
      settings.onError,
      host,
    );
    await host
      .start({
        key: vmIdOf(record),
        disk: files.os.raw,
        dataDisks: files.data.map(({ lun, file }) => dataDisk(lun, file)),
        firmware: plan.firmware,
        cpus: plan.cpus,
        memoryMiB: plan.memoryMiB,
        publish: plan.publish ?? { address: '127.0.0.1', ports: [] },
        outbound: plan.outbound,
        seed: plan.seed,
        serialLog,
        bootTimeoutMs: settings.bootTimeoutSeconds * 1000,
        agent,
      })
      .finally(() => (booting = false));
    return { serialLog, agentKey: agent.privateKey, ...(plan.publish ? { reachable: plan.publish } : {}) };
  };

  const stop = (record: VirtualMachineRecord, hard = false) =>
    host.stop(vmIdOf(record), { hard, timeoutMs: SHUTDOWN_MS });

  /** The files of the VM's disks that exist now (a data disk attached while it was stopped has none yet). */
  const currentFiles = async (record: VirtualMachineRecord): Promise<DiskFile[]> => {
    const vm = record.data.resource;
    const dir = folder(vmIdOf(record));
    const ids = [
      { id: osDiskId(vm), os: true },
      ...vm.properties.storageProfile.dataDisks.map((disk) => ({ id: disk.managedDisk.id, os: false })),
    ];
    const files: DiskFile[] = [];
    for (const { id, os } of ids) {
      const disk = (await getResource(ctx, id)) as DiskRecord | undefined;
      if (disk) files.push(diskFile(dir, disk, os));
    }
    return files;
  };
  const sealAll = async (record: VirtualMachineRecord) => {
    for (const file of await currentFiles(record)) await seal(ctx, file);
  };

  /** A data disk the VM let go: unplugged from the running VM, written back, released, its file removed. */
  const detach = async (record: VirtualMachineRecord, id: string) => {
    await host.detach(vmIdOf(record), id);
    const disk = (await getResource(ctx, id)) as DiskRecord | undefined;
    if (disk) {
      const file = diskFile(folder(vmIdOf(record)), disk, false);
      await seal(ctx, file);
      await removeFile(file);
    }
    await releaseDisk(ctx, record.data.resource, id);
  };

  /** The data disks a running VM does not hold yet, hot-plugged. */
  const plugNew = async (record: VirtualMachineRecord, disks: Disks, signal: AbortSignal) => {
    for (const { lun, file } of filesOf(record, disks).data) {
      const id = file.disk.data.resource.id;
      if (host.holds(vmIdOf(record), id)) continue;
      await holdDisk(ctx, record.data.resource, file.disk, 'Attached');
      await materialize(ctx, file, signal);
      await host.attach(vmIdOf(record), dataDisk(lun, file));
    }
  };

  /**
   * The end of a job that booted the VM, written here, expecting the VM as the job read it: when that
   * fails, another request took the VM over (a delete) or it is gone, and what this job started stops.
   */
  const booted = async (
    record: VirtualMachineRecord,
    payload: MachinePayload,
    changes: Partial<VirtualMachineInternal>,
  ): Promise<Write[]> => {
    try {
      await ctx.store.apply(settle(ctx, record, payload, 'running', changes));
      return [];
    } catch (error) {
      if (!(error instanceof ExpectationFailedError)) throw error;
      return overtaken(payload);
    }
  };

  /**
   * Another request took the VM over, or it is gone: this job's operation ends Canceled (unless it was
   * ended already), changing nothing else; a machine of this VM left running once the VM is gone, made
   * again or being deleted is stopped, and the folder of a VM that is gone removed.
   */
  const overtaken = async (payload: MachinePayload): Promise<Write[]> => {
    const now = (await ctx.store.get(payload.key)) as VirtualMachineRecord | undefined;
    const vmId = payload.vmId;
    const same = now && now.data.resource.properties.vmId === vmId;
    if (vmId && (!same || now.data.resource.properties.provisioningState === 'Deleting')) {
      await host.stop(vmId, { hard: true });
      if (!same) await forgetMachine(settings.root, vmId);
    }
    const operation = await ctx.store.get<OperationData>(
      operationKey(payload.operation.subscription, payload.operation.name),
    );
    if (operation && operation.data.status !== 'InProgress') return [];
    return [finishOperation(payload.operation, ctx.clock.now(), { status: 'Canceled' })];
  };

  /**
   * The VM on this node: a job for a VM placed on another runs there (or waits for that node to be
   * taken over when it died); one that boots a VM placed nowhere places it here, forgetting what this
   * node kept of it before.
   */
  const placed = async (record: VirtualMachineRecord, payload: MachinePayload): Promise<VirtualMachineRecord> => {
    const node = record.data.internal.node;
    if (node === settings.node) return record;
    if (node) {
      if (await nodeIsPresent(ctx.store, node)) throw new RunOnNode(node);
      throw new RetryLater(2000, `waiting for the VMs of node ${node}, which stopped answering, to be taken over`);
    }
    if (!boots(payload)) return record;
    await leave(record);
    return placeOn(ctx, record, settings.node);
  };

  /**
   * What this node keeps of a VM that leaves it (deallocated: its disks written back and console saved
   * first), or that it places afresh: nothing once the record holds the agent's key; else (a VM from
   * before keys were kept there) the folder with the key, without its disk files.
   */
  const leave = async (record: VirtualMachineRecord) => {
    if (record.data.internal.agentKey) return forgetMachine(settings.root, vmIdOf(record));
    for (const file of await currentFiles(record)) await removeFile(file);
  };

  const run = async (payload: MachinePayload, signal: AbortSignal): Promise<Write[]> => {
    const found = await machineOf(ctx, payload);
    if (!found) return overtaken(payload);
    const record = await placed(found, payload);
    const running = host.isRunning(vmIdOf(record));
    switch (payload.action) {
      case 'create': {
        const disks = await disksOf(record, payload);
        const started = running ? {} : await boot(record, disks, signal);
        // Provisioned: cloud-init keeps what it made for this instance id, so the secrets can go.
        return booted(record, payload, { ...started, adminPassword: undefined, customData: undefined });
      }
      case 'start': {
        if (running) return settle(ctx, record, payload, 'running');
        return booted(record, payload, await boot(record, await disksOf(record, payload), signal));
      }
      case 'restart': {
        await stop(record);
        return booted(record, payload, await boot(record, await disksOf(record, payload), signal));
      }
      case 'powerOff': {
        await stop(record, payload.hard);
        await sealAll(record);
        return settle(ctx, record, payload, 'stopped', { reachable: undefined });
      }
      case 'deallocate': {
        await stop(record);
        await sealAll(record);
        await saveConsole(ctx, record.data.resource, consoleFile(record));
        await leave(record);
        await holdAll(record, await disksOf(record, payload), 'Reserved');
        return settle(
          ctx,
          record,
          payload,
          'deallocated',
          { reachable: undefined, node: undefined },
          { writes: await releaseCapacity(ctx, record.key) },
        );
      }
      case 'runCommand': {
        const { lines, exitCode } = await host.run(vmIdOf(record), payload.command!, signal);
        return settle(
          ctx,
          record,
          payload,
          'running',
          {},
          { output: runCommandResult(payload.command!, lines, exitCode) },
        );
      }
      case 'update':
        return update(record, payload, running, signal);
      case 'delete': {
        await stop(record, true);
        const vm = record.data.resource;
        const { osDisk, dataDisks } = vm.properties.storageProfile;
        const kept = new Set(
          [
            ...(osDisk.deleteOption === 'Detach' ? [osDiskId(vm)] : []),
            ...dataDisks.filter((disk) => disk.deleteOption === 'Detach').map((disk) => disk.managedDisk.id),
          ].map((id) => id.toLowerCase()),
        );
        for (const file of await currentFiles(record))
          if (kept.has(file.disk.data.resource.id.toLowerCase())) await seal(ctx, file);
        for (const id of record.data.internal.detaching ?? []) await detach(record, id);
        await forgetMachine(settings.root, vmIdOf(record));
        return finishMachineDelete(ctx, record, payload);
      }
    }
  };

  /**
   * A change of the VM (domain/virtual-machines/update-machine.ts): the disks it makes, the ones it let
   * go detached, the new ones hot-plugged into the running VM (a stopped one takes them at its next
   * start), and a new size taken by restarting it. A VM that ran when the change was asked runs after
   * it, started again if Kiln restarted meanwhile.
   */
  const update = async (
    record: VirtualMachineRecord,
    payload: MachinePayload,
    running: boolean,
    signal: AbortSignal,
  ): Promise<Write[]> => {
    const disks = await disksOf(record, payload);
    if (payload.restart && running) await stop(record);
    for (const id of record.data.internal.detaching ?? []) await detach(record, id);
    const live = host.isRunning(vmIdOf(record));
    if (live) await plugNew(record, disks, signal);
    else await holdAll(record, disks, payload.from === 'deallocated' ? 'Reserved' : 'Attached');
    const changes = { detaching: undefined };
    if (live) return settle(ctx, record, payload, 'running', changes);
    if (payload.from === 'running')
      return booted(record, payload, { ...changes, ...(await boot(record, disks, signal)) });
    return settle(ctx, record, payload, payload.from === 'deallocated' ? 'deallocated' : 'stopped', changes);
  };

  /** The power state a failed job leaves: running if its machine runs, else where a change found it, else stopped (allocated). */
  const failedPower = async (payload: MachinePayload): Promise<PowerState> => {
    const record = await machineOf(ctx, payload);
    if (record && host.isRunning(vmIdOf(record))) return 'running';
    return payload.action === 'update' && payload.from === 'deallocated' ? 'deallocated' : 'stopped';
  };

  return {
    run: (payload, job) => run(payload, job.signal),
    fail: async (payload, error) => failMachine(ctx, payload, error, await failedPower(payload)),
  };
}

/** Whether the job boots the VM (and so needs it placed): a create, a start, a restart, an update of a running VM. */
const boots = (payload: MachinePayload) =>
  payload.action === 'create' ||
  payload.action === 'start' ||
  payload.action === 'restart' ||
  (payload.action === 'update' && payload.from === 'running');

/** The data disk at `lun` as the host plugs it: its file, its name in the guest, its sector size (Ultra and Premium v2 disks' own). */
const dataDisk = (lun: number, file: DiskFile) => ({
  id: file.disk.data.resource.id,
  name: lunName(lun),
  path: file.raw,
  sectorSize: file.disk.data.resource.properties.creationData.logicalSectorSize as 512 | 4096 | undefined,
});

/** The guest's name for the data disk at `lun` (its serial: /dev/disk/by-id/virtio-lun0). */
const lunName = (lun: number) => `lun${lun}`;
