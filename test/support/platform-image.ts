/** Platform images for API tests: a busybox disk made and imported into a running server's catalog. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importPlatformImage } from '../../src/app/platform-images.ts';
import type { PlatformImage } from '../../src/domain/platform-images/catalog.ts';
import { makeBusyboxBaseImage } from '../../src/imaging/disk/base-image.ts';
import type { TestServer } from './test-server.ts';

/** Imports a busybox disk of `sizeMiB` (32 unless told) as `name`, as `kiln platform-image import` does. */
export async function importBusyboxImage(
  kiln: TestServer,
  name: { publisher: string; offer: string; sku: string; version: string; hyperVGeneration?: 'V1' | 'V2' },
  sizeMiB = 32,
): Promise<PlatformImage> {
  const work = await mkdtemp(join(tmpdir(), 'kiln-platform-image-'));
  try {
    const file = join(work, 'busybox.raw');
    await makeBusyboxBaseImage(file, { sizeMiB });
    return await importPlatformImage(kiln.server.kiln, { ...name, file });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
