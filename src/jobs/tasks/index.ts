/**
 * Every background task by name: the bridge from durable jobs to the domain's job-side functions.
 * Typed by the domain's `TaskPayloads`, so a task listed there without a handler here, or a handler
 * taking another payload, does not compile.
 */
import type { DomainContext } from '../../domain/context.ts';
import { copySnapshot, failCopy } from '../../domain/disks/copy-start.ts';
import { failDisk, fillDisk, sealUpload } from '../../domain/disks/fill.ts';
import { failGrowth, growDisk } from '../../domain/disks/grow.ts';
import { createImageData, failImageCreation } from '../../domain/images/create-image.ts';
import { deleteGroupContents, failGroupDelete } from '../../domain/resource-groups/delete-contents.ts';
import { collectRegionChunks } from '../../domain/gallery-image-versions/collect-chunks.ts';
import { failReplication, replicateVersion } from '../../domain/gallery-image-versions/replicate-version.ts';
import { failTrigger, fireTrigger } from '../../domain/image-templates/triggers/fire-trigger.ts';
import type { TaskName, TaskPayloads } from '../../domain/task-payloads.ts';
import { JOB_KIND } from '../job-record.ts';
import { RetryLater, type TaskHandlers } from '../task.ts';
import type { ResourceManager } from '../../ports/resource-manager.ts';
import { deleteBlobsTask } from './delete-blobs.ts';
import { deploymentTask } from './deployment.ts';
import { importPlatformImageTask } from './import-platform-image.ts';
import { nodeTakeoverTask } from './node-takeover.ts';
import { finishImageTemplateRunTask, runImageTemplateTask, type BuildSettings } from './run-image-template.ts';
import { virtualMachineTask, type MachineSettings } from './virtual-machine.ts';

/** Chunk collection waits while any job of this task exists. */
const REPLICATE = 'galleryVersion.replicate' satisfies TaskName;

export function createTasks(
  ctx: DomainContext,
  options: BuildSettings,
  machines: MachineSettings,
  /** Kiln's own API, for deployments; absent where this process does not serve it. */
  resources?: ResourceManager,
): TaskHandlers<TaskPayloads> {
  const tasks: TaskHandlers<TaskPayloads> = {
    'node.takeOver': nodeTakeoverTask(ctx, machines, () => Object.keys(tasks)),
    'deployment.run': deploymentTask(ctx, resources),
    'virtualMachine.run': virtualMachineTask(ctx, machines),
    'imageTemplate.run': runImageTemplateTask(ctx, options),
    'imageTemplate.finishRun': finishImageTemplateRunTask(ctx, options.logFlushMs),
    'imageTemplate.trigger': {
      run: async (payload) => {
        const writes = await fireTrigger(ctx, payload);
        if (!writes) throw new RetryLater(2000, 'waiting for the run under way of the template to end');
        return writes;
      },
      fail: (payload, error) => failTrigger(ctx, payload, error),
    },
    'blobs.delete': deleteBlobsTask(ctx),
    'platformImage.import': importPlatformImageTask(ctx, options.workRoot),
    'disk.fill': {
      run: (payload) => fillDisk(ctx, payload),
      fail: (payload, error) => failDisk(ctx, payload, error, false),
    },
    'disk.seal': {
      run: (payload) => sealUpload(ctx, payload),
      fail: (payload, error) => failDisk(ctx, payload, error, true),
    },
    'disk.copyStart': {
      run: (payload, job) => copySnapshot(ctx, payload, job),
      fail: (payload, error) => failCopy(ctx, payload, error),
    },
    'disk.grow': {
      run: (payload) => growDisk(ctx, payload),
      fail: (payload, error) => failGrowth(ctx, payload, error),
    },
    'image.create': {
      run: (payload) => createImageData(ctx, payload),
      fail: (payload, error) => failImageCreation(ctx, payload, error),
    },
    'galleryVersion.replicate': {
      run: (payload, job) => replicateVersion(ctx, payload, job),
      fail: (payload, error) => failReplication(ctx, payload, error),
    },
    'chunks.gc': {
      run: async (payload) => {
        await collectRegionChunks(
          ctx,
          payload.region,
          async () => (await ctx.store.list({ kind: JOB_KIND, lane: REPLICATE, limit: 1 })).length > 0,
        );
        return [];
      },
      fail: async () => [],
    },
    'resourceGroup.delete': {
      run: async (payload) => {
        const writes = await deleteGroupContents(ctx, payload);
        if (!writes) throw new RetryLater(500, 'waiting for the VMs in the group to be deleted');
        return writes;
      },
      fail: (payload, error) => failGroupDelete(ctx, payload, error),
    },
  };
  return tasks;
}
