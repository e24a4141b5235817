/**
 * An import through the API (domain/platform-images/admin-operations.ts): the source blob is copied
 * into a work folder of this node, checked and made a fixed VHD exactly as the offline import does
 * (imaging/disk/platform-disk.ts, every tool confined), stored under the import's own key and the
 * entry finished. A disk that is no platform image fails the import at once with the reason, naming
 * the blob as the request did; the work folder goes whatever happens.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ArmError } from '../../core/arm-error.ts';
import { CHUNK_SIZE } from '../../core/content-id.ts';
import type { DomainContext } from '../../domain/context.ts';
import {
  abandonImport,
  failImport,
  finishImport,
  pendingImport,
  type ImportPayload,
} from '../../domain/platform-images/import-job.ts';
import { NotAPlatformImage, platformDisk } from '../../imaging/disk/platform-disk.ts';
import type { TaskHandler } from '../task.ts';

export function importPlatformImageTask(ctx: DomainContext, workRoot: string): TaskHandler<ImportPayload> {
  return {
    async run(payload, job) {
      const entry = await pendingImport(ctx, payload);
      if (!entry) return abandonImport(ctx, payload);
      const source = ctx.regions.get(payload.source.region);
      const target = ctx.regions.get(payload.target.region);
      if (!source || !target) throw new Error(`unknown region ${payload.source.region} or ${payload.target.region}`);
      await mkdir(workRoot, { recursive: true, mode: 0o700 });
      const work = await mkdtemp(join(workRoot, 'platform-image-'));
      try {
        const file = join(work, 'source');
        if (!(await source.stat(payload.source.key)))
          throw new ArmError(
            404,
            'BlobNotFound',
            `The blob '${payload.uri}' named by 'properties.osDisk.uri' was deleted before it was imported.`,
            'properties.osDisk.uri',
          );
        await pipeline(source.read(payload.source.key), createWriteStream(file), { signal: job.signal });
        const disk = await platformDisk(file, work, {
          name: `The blob '${payload.uri}'`,
          consume: true,
          signal: job.signal,
        }).catch((error: Error) => {
          if (!(error instanceof NotAPlatformImage)) throw error;
          throw new ArmError(400, 'InvalidPlatformImage', error.message, 'properties.osDisk.uri');
        });
        const vhd = await target.put(payload.target.key, createReadStream(disk.vhd, { highWaterMark: CHUNK_SIZE }), {
          overwrite: true,
        });
        return finishImport(ctx, entry, payload, vhd);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
    fail: (payload, error) => failImport(ctx, payload, error),
  };
}
