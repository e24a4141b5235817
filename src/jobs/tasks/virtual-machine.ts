/**
 * The `virtualMachine.run` job: joins a VM's records (domain/virtual-machines/machine-jobs.ts) to the
 * machine host that runs it (imaging/machines/machine-host.ts). Each VM has a folder of its own on the
 * host, `<machines>/<vmId>/`: its OS disk as a raw file while it holds an allocation (made from the
 * disk's stored bytes when it first boots after a create or a deallocate) and its serial console.
 *
 * Invariants: the stored disk is brought up to date with the file whenever the VM stops (power off,
 * deallocate, delete with Detach), so a snapshot, an image or a detached disk sees what the guest
 * wrote; deallocated, the VM has no file; every action can run again after a crash (a create finds its
 * disk, a start finds the VM running, a stop finds it stopped).
 */
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { VHD_FOOTER_SIZE } from '../../core/vhd.ts';
import type { DomainContext } from '../../domain/context.ts';
import type { DiskRecord } from '../../domain/disks/disk.ts';
import { finishMachineDelete } from '../../domain/virtual-machines/delete-machine.ts';
import {
  failMachine,
  machineOf,
  machinePlan,
  osDiskId,
  readyOsDisk,
  settle,
  type MachinePayload,
} from '../../domain/virtual-machines/machine-jobs.ts';
import { holdOsDisk, recordOsDiskBytes } from '../../domain/virtual-machines/os-disk.ts';
import { runCommandResult } from '../../domain/virtual-machines/run-command.ts';
import type { GuestCommunicator } from '../../ports/guest-communicator.ts';
import type { VirtualMachineRecord } from '../../domain/virtual-machines/virtual-machine.ts';
import { finishOperation } from '../../domain/operations/operation.ts';
import { getResource } from '../../domain/shared/arm-resource.ts';
import { writeSparseFile } from '../../imaging/disk/sparse-file.ts';
import type { MachineHost } from '../../imaging/machines/machine-host.ts';
import type { Write } from '../../ports/metadata-store.ts';
import { RetryLater, type TaskHandler } from '../task.ts';

export interface MachineSettings {
  host: MachineHost;
  /** Where VMs keep their disk files and serial consoles, a folder each. */
  root: string;
  /** How long a VM may take to reach its login prompt. */
  bootTimeoutSeconds: number;
  /** How Kiln's agent reaches into VMs (run command). */
  communicator: GuestCommunicator;
}

/** How long a guest may take to power off when asked, before it is stopped hard. */
const SHUTDOWN_MS = 60_000;

export function virtualMachineTask(ctx: DomainContext, settings: MachineSettings): TaskHandler<MachinePayload> {
  const files = (record: VirtualMachineRecord) => {
    const dir = join(settings.root, record.data.resource.properties.vmId);
    return { dir, disk: join(dir, 'os.raw'), footer: join(dir, 'os.footer'), serial: join(dir, 'serial.log') };
  };

  const osDisk = async (record: VirtualMachineRecord) =>
    (await getResource<DiskRecord['data']['resource'], DiskRecord['data']['internal']>(
      ctx,
      osDiskId(record.data.resource),
    )) as DiskRecord | undefined;

  /** The disk's stored bytes as the VM's raw file, unless the file is there already. */
  const materialize = async (record: VirtualMachineRecord, disk: DiskRecord, signal: AbortSignal) => {
    const { dir, disk: file, footer } = files(record);
    if (existsSync(file)) return;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const blob = disk.data.internal.blobs[0];
    const store = ctx.regions.get(blob.region)!;
    const partial = `${file}.partial`;
    const size = await writeSparseFile(store.read(blob.key), partial, signal);
    const handle = await open(partial, 'r');
    const last = Buffer.alloc(VHD_FOOTER_SIZE);
    await handle.read(last, 0, VHD_FOOTER_SIZE, size - VHD_FOOTER_SIZE);
    await handle.close();
    await writeFile(footer, last, { mode: 0o600 });
    await truncate(partial, size - VHD_FOOTER_SIZE);
    await rename(partial, file);
  };

  /** The VM's file back into its disk's stored bytes (its footer as it was). */
  const seal = async (record: VirtualMachineRecord) => {
    const { disk: file, footer } = files(record);
    const disk = await osDisk(record);
    if (!disk || !existsSync(file)) return;
    const blob = disk.data.internal.blobs[0];
    const tail = await readFile(footer);
    const content = Readable.from(
      (async function* () {
        yield* createReadStream(file, { highWaterMark: 4 * 1024 * 1024 });
        yield tail;
      })(),
    );
    await ctx.regions.get(blob.region)!.put(blob.key, content, { overwrite: true });
    await recordOsDiskBytes(ctx, record.data.resource);
  };

  const boot = async (record: VirtualMachineRecord, disk: DiskRecord, signal: AbortSignal) => {
    await holdOsDisk(ctx, record.data.resource, disk, 'Attached');
    await materialize(record, disk, signal);
    const agent = await settings.communicator.agent(files(record).dir);
    const plan = await machinePlan(ctx, record, disk, agent);
    const { disk: file, serial } = files(record);
    await settings.host.start({
      key: record.key,
      disk: file,
      firmware: plan.firmware,
      cpus: plan.cpus,
      memoryMiB: plan.memoryMiB,
      publish: plan.publish ?? { address: '127.0.0.1', ports: [] },
      outbound: plan.outbound,
      seed: plan.seed,
      serialLog: serial,
      bootTimeoutMs: settings.bootTimeoutSeconds * 1000,
      agent,
    });
    return { serialLog: serial, ...(plan.publish ? { reachable: plan.publish } : {}) };
  };

  const stop = async (record: VirtualMachineRecord, hard = false) => {
    await settings.host.stop(record.key, { hard, timeoutMs: SHUTDOWN_MS });
  };

  const run = async (payload: MachinePayload, signal: AbortSignal): Promise<Write[]> => {
    const record = await machineOf(ctx, payload);
    // Another request took the VM over (or it is gone): this operation ends, changing nothing.
    if (!record) return [finishOperation(payload.operation, ctx.clock.now(), { status: 'Canceled' })];
    const running = settings.host.isRunning(record.key);
    switch (payload.action) {
      case 'create': {
        const disk = await readyOsDisk(ctx, record, payload.creationData!);
        if (!disk) throw new RetryLater(250, 'waiting for the OS disk to be made from the image');
        const booted = running ? {} : await boot(record, disk, signal);
        // Provisioned: cloud-init keeps what it made for this instance id, so the secrets can go.
        return settle(ctx, record, payload, 'running', { ...booted, adminPassword: undefined, customData: undefined });
      }
      case 'start': {
        if (running) return settle(ctx, record, payload, 'running');
        const disk = await requireDisk(record);
        return settle(ctx, record, payload, 'running', await boot(record, disk, signal));
      }
      case 'restart': {
        await stop(record);
        return settle(ctx, record, payload, 'running', await boot(record, await requireDisk(record), signal));
      }
      case 'powerOff': {
        await stop(record);
        await seal(record);
        return settle(ctx, record, payload, 'stopped', { reachable: undefined });
      }
      case 'deallocate': {
        await stop(record);
        await seal(record);
        await rm(files(record).disk, { force: true });
        const disk = await osDisk(record);
        if (disk) await holdOsDisk(ctx, record.data.resource, disk, 'Reserved');
        return settle(ctx, record, payload, 'deallocated', { reachable: undefined });
      }
      case 'runCommand': {
        const { lines, exitCode } = await settings.host.run(record.key, payload.command!, signal);
        return settle(ctx, record, payload, 'running', {}, runCommandResult(payload.command!, lines, exitCode));
      }
      case 'delete': {
        await stop(record, true);
        if (record.data.resource.properties.storageProfile.osDisk.deleteOption === 'Detach') await seal(record);
        await rm(files(record).dir, { recursive: true, force: true });
        return finishMachineDelete(ctx, record, payload);
      }
    }
  };

  const requireDisk = async (record: VirtualMachineRecord) => {
    const disk = await osDisk(record);
    if (!disk) throw new Error(`The OS disk ${osDiskId(record.data.resource)} of the VM is gone.`);
    return disk;
  };

  return {
    run: (payload, job) => run(payload, job.signal),
    fail: (payload, error) =>
      failMachine(ctx, payload, error, settings.host.isRunning(payload.key) ? 'running' : 'stopped'),
  };
}
