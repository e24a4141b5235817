/** Every background task by name: the bridge from durable jobs to the domain's job-side functions. */
import type { DomainContext } from '../../domain/context.ts';
import { failDisk, fillDisk, sealUpload, type FillPayload } from '../../domain/disks/fill.ts';
import { createImageData, failImageCreation, type CreateImagePayload } from '../../domain/images/create-image.ts';
import { deleteGroupContents, failGroupDelete, type DeleteGroupPayload } from '../../domain/resource-groups/delete-contents.ts';
import { collectRegionChunks } from '../../domain/gallery-image-versions/collect-chunks.ts';
import { failReplication, replicateVersion, type ReplicatePayload } from '../../domain/gallery-image-versions/replicate-version.ts';
import { JOB_KIND, type JobData } from '../job-record.ts';
import type { TaskHandler } from '../task.ts';
import { deleteBlobsTask } from './delete-blobs.ts';
import { finishImageTemplateRunTask, runImageTemplateTask, type BuildSettings } from './run-image-template.ts';

export function createTasks(ctx: DomainContext, options: BuildSettings): Record<string, TaskHandler> {
  return {
    'imageTemplate.run': runImageTemplateTask(ctx, options),
    'imageTemplate.finishRun': finishImageTemplateRunTask(ctx),
    'blobs.delete': deleteBlobsTask(ctx),
    'disk.fill': {
      run: (payload) => fillDisk(ctx, payload as unknown as FillPayload),
      fail: (payload, error) => failDisk(ctx, payload as unknown as FillPayload, error, false),
    },
    'disk.seal': {
      run: (payload) => sealUpload(ctx, payload as unknown as FillPayload),
      fail: (payload, error) => failDisk(ctx, payload as unknown as FillPayload, error, true),
    },
    'image.create': {
      run: (payload) => createImageData(ctx, payload as unknown as CreateImagePayload),
      fail: (payload, error) => failImageCreation(ctx, payload as unknown as CreateImagePayload, error),
    },
    'galleryVersion.replicate': {
      run: (payload, job) => replicateVersion(ctx, payload as unknown as ReplicatePayload, job),
      fail: (payload, error) => failReplication(ctx, payload as unknown as ReplicatePayload, error),
    },
    'chunks.gc': {
      run: async (payload) => {
        await collectRegionChunks(ctx, String(payload.region), async () =>
          (await ctx.store.list<JobData>({ kind: JOB_KIND, limit: 100_000 })).some((j) => j.data.task === 'galleryVersion.replicate'),
        );
        return [];
      },
      fail: async () => [],
    },
    'resourceGroup.delete': {
      run: (payload) => deleteGroupContents(ctx, payload as unknown as DeleteGroupPayload),
      fail: (payload, error) => failGroupDelete(ctx, payload as unknown as DeleteGroupPayload, error),
    },
  };
}
