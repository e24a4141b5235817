/**
 * Where a run's built VHD goes (core/blob-url.ts has the two namespaces of a region's store):
 *  - Kiln's own copy, `imagetemplates/<run id>/<template>.vhd`, is what managed image and gallery
 *    version targets copy from. The domain operations take it by a URL signed for that key, since a
 *    signed URL is the only way to a blob outside the user namespace. The grant the signature names is
 *    never recorded, so over HTTP the URL opens nothing; it only says which blob. It is removed when
 *    the run ends.
 *  - A VHD target gets the user blob `imagetemplates/<run id>/<template>.vhd` (the URL its
 *    `artifactUri` has always been), a copy (a hard link where the store can) that the template's owner
 *    reads with a Storage Blob Data role, as Azure's staging storage account is read. Writing to it
 *    changes no resource; deleting the template deletes it.
 */
import { createReadStream } from 'node:fs';
import { userBlobKey } from '../../../core/blob-url.ts';
import type { DomainContext } from '../../context.ts';
import type { ImageTemplate } from '../image-template.ts';
import type { BlobLocation } from '../../shared/blob-copy.ts';
import type { BuiltImage } from './distribute.ts';
import { CHUNK_SIZE } from '../../../core/content-id.ts';

const CONTAINER = 'imagetemplates';
/** How long the signed name of Kiln's copy is valid: it is only ever read by the run's own distribution jobs. */
const SIGNED_NAME_TTL_MS = 24 * 60 * 60 * 1000;

/** The user blob a VHD target gets, beside Kiln's own copy at `internal`. */
export function publishedVhd(internal: BlobLocation): BlobLocation {
  return { region: internal.region, key: userBlobKey(CONTAINER, internal.key.slice(CONTAINER.length + 1)) };
}

/** Puts the built VHD into the template's region store, and a user copy for a VHD target. */
export async function storeBuiltVhd(
  ctx: DomainContext,
  template: ImageTemplate,
  runId: string,
  vhd: string,
): Promise<BuiltImage> {
  const region = template.location;
  const name = `${CONTAINER}/${runId}/${template.name}.vhd`;
  const store = ctx.regions.get(region)!;
  // Read a chunk at a time: the store cuts 4 MiB chunks, and small reads cost it more than the hashing.
  await store.put(name, createReadStream(vhd, { highWaterMark: CHUNK_SIZE }), { overwrite: true });
  const base = ctx.settings.publicUrl ?? 'https://localhost';
  if (template.properties.distribute.some((d) => d.type === 'VHD')) {
    const published = publishedVhd({ region, key: name });
    // A retried run finds its earlier copy: replace it.
    await store.delete(published.key);
    await store.copy(name, published.key);
  }
  const expiresOn = new Date(ctx.clock.now().getTime() + SIGNED_NAME_TTL_MS);
  const uri = ctx.blobUrls.signed(base, region, name, { write: false, expiresOn, identifier: `run-${runId}` });
  return { region, key: name, uri, artifactUri: ctx.blobUrls.plain(base, region, name) };
}
