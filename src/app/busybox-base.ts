/**
 * A tiny base image from the host's static busybox, made in a second without any network: enough
 * to try templates, the local build loop and the main job on a machine that cannot reach a Debian
 * mirror. Imported as kiln:busybox:busybox:0.<yyyymmdd>.0.
 */
import { makeBusyboxBaseImage } from '../imaging/disk/base-image.ts';
import type { PlatformImage } from '../domain/platform-images/catalog.ts';
import type { Kiln } from './kiln.ts';
import { bootstrapBaseImage } from './platform-images.ts';

export function bootstrapBusybox(
  kiln: Kiln,
  options: { sizeMiB?: number; ifMissing?: boolean } = {},
): Promise<PlatformImage> {
  return bootstrapBaseImage(
    kiln,
    [{ publisher: 'kiln', offer: 'busybox', sku: 'busybox', hyperVGeneration: 'V1' }],
    options.ifMissing === true,
    (disk) => makeBusyboxBaseImage(disk, { sizeMiB: options.sizeMiB ?? 64 }),
  );
}
