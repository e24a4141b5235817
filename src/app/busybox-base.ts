/**
 * A tiny base image from the host's static busybox, made in a second without any network: enough
 * to try templates, the local build loop and the main job on a machine that cannot reach a Debian
 * mirror. Imported as kiln:busybox:busybox:0.<yyyymmdd>.0.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBusyboxBaseImage } from '../build/disk/base-image.ts';
import type { PlatformImage } from '../domain/platform-images/catalog.ts';
import type { Kiln } from './kiln.ts';
import { importPlatformImage } from './platform-images.ts';

export async function bootstrapBusybox(kiln: Kiln, options: { sizeMiB?: number } = {}): Promise<PlatformImage> {
  const work = await mkdtemp(join(tmpdir(), 'kiln-busybox-'));
  try {
    const disk = join(work, 'busybox.raw');
    await makeBusyboxBaseImage(disk, { sizeMiB: options.sizeMiB ?? 64 });
    const today = kiln.domain.clock.now().toISOString().slice(0, 10).replaceAll('-', '');
    return await importPlatformImage(kiln, { publisher: 'kiln', offer: 'busybox', sku: 'busybox', version: `0.${today}.0`, file: disk, replace: true });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
