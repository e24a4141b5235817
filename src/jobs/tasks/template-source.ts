/**
 * Fetches an image template's source into a local file: the bytes of a managed image or of a gallery
 * image version replicated to the template's region, or a platform image from the catalog. An ISO is downloaded and checked against its
 * sha256, but installing from it needs a VM-based driver: a clear error after the check.
 */
import { createWriteStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ArmError } from '../../core/arm-error.ts';
import type { DomainContext } from '../../domain/context.ts';
import type { GalleryImageVersionInternal } from '../../domain/gallery-image-versions/gallery-image-version.ts';
import type { GalleryImage } from '../../domain/gallery-images/gallery-image.ts';
import type { TemplateSource } from '../../domain/image-templates/image-template.ts';
import { managedImageSource, sharedImageVersionSource } from '../../domain/image-templates/template-references.ts';
import { readManifest, verifyReplica } from '../../domain/replication/chunk-store.ts';
import { resolvePlatformImage, urn } from '../../domain/platform-images/catalog.ts';

export interface FetchedSource {
  description: string;
  /** The gallery image version the source resolved to, for the `Source` versioning scheme. */
  versionName?: string;
  /** The platform image version `latest` resolved to. */
  exactVersion?: string;
}

export async function fetchTemplateSource(ctx: DomainContext, source: TemplateSource, region: string, file: string, signal: AbortSignal): Promise<FetchedSource> {
  const target = 'properties.source';
  switch (source.type) {
    case 'ManagedImage': {
      const image = await managedImageSource(ctx, source.imageId, region);
      if (image.data.resource.properties.storageProfile.osDisk.osType === 'Windows') throw windows(source.imageId, `${target}.imageId`);
      const os = image.data.internal.blobs.find((b) => b.key.endsWith('/os.vhd'));
      const store = os && ctx.regions.get(os.region);
      if (!os || !store) throw new ArmError(400, 'BadManagedImageSource', `The managed image '${source.imageId}' has no OS disk data.`, `${target}.imageId`);
      await pipeline(store.read(os.key), createWriteStream(file), { signal });
      return { description: `managed image ${image.data.resource.id}` };
    }
    case 'SharedImageVersion': {
      const version = await sharedImageVersionSource(ctx, source.imageVersionId, region);
      const definition = await ctx.store.get<{ resource: GalleryImage }>(version.parent ?? '');
      if (definition?.data.resource.properties.osType === 'Windows') throw windows(version.data.resource.id, `${target}.imageVersionId`);
      const disk = (version.data.internal as GalleryImageVersionInternal).disks.find((d) => d.lun === 'os');
      const regions = version.data.resource.properties.publishingProfile.targetRegions.map((t) => t.name);
      const store = ctx.regions.get(region);
      if (!disk?.manifest || !regions.includes(region) || !store || (await verifyReplica(store, 1, disk.manifest)).length > 0) {
        throw new ArmError(
          400,
          'BadSharedImageVersionSource',
          `The image version '${version.data.resource.id}' is not replicated to the template's region '${region}' (its target regions: ${regions.map((r) => `'${r}'`).join(', ')}); add '${region}' to its target regions.`,
          `${target}.imageVersionId`,
        );
      }
      await pipeline(readManifest(store, 1, disk.manifest), createWriteStream(file), { signal });
      return { description: `image version ${version.data.resource.id}`, versionName: version.data.resource.name };
    }
    case 'PlatformImage': {
      const image = await resolvePlatformImage(ctx, source, target);
      const store = ctx.regions.get(image.blob.region);
      if (!store || !(await store.stat(image.blob.key))) throw new ArmError(400, 'BadPIRSource', `The platform image ${urn(image)} lost its bytes; import it again.`, target);
      await pipeline(store.read(image.blob.key), createWriteStream(file), { signal });
      return { description: `platform image ${urn(image)}`, exactVersion: image.version };
    }
    case 'ISO': {
      const response = await fetch(source.sourceURI, { signal });
      if (!response.ok || !response.body) throw new ArmError(400, 'BadSourceType', `Downloading the ISO from ${redactQuery(source.sourceURI)} failed: HTTP ${response.status}.`, `${target}.sourceURI`);
      const hash = createHash('sha256');
      await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), new Transform({ transform: (chunk, _encoding, done) => (hash.update(chunk), done(null, chunk)) }), createWriteStream(file), { signal });
      const actual = hash.digest('hex');
      if (actual !== source.sha256Checksum.toLowerCase()) {
        throw new ArmError(400, 'BadSourceType', `The ISO's sha256 is ${actual}, but the template's sha256Checksum is ${source.sha256Checksum}.`, `${target}.sha256Checksum`);
      }
      throw new ArmError(400, 'BadSourceType', `The ISO was downloaded and its sha256 matches, but building from an installer ISO needs a VM-based build driver, which Kiln does not have yet.`, `${target}.sourceURI`);
    }
  }
}

const redactQuery = (uri: string) => uri.replace(/\?.*$/, '?***');

const windows = (id: string, target: string) =>
  new ArmError(400, 'BadSourceType', `The source '${id}' is a Windows image; building Windows images needs a VM-based build driver, which Kiln does not have yet.`, target);
