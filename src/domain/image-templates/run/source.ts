/**
 * Finds an image template's source bytes: those of a managed image or of a gallery image version
 * replicated to the template's region, or a platform image from the catalog, with their size, which
 * a run knows before fetching them (its disk limit is tied to it). An ISO is downloaded and checked
 * against its sha256 without being stored, but installing from it needs a VM-based driver: a clear
 * error after the check.
 */
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { buffer } from 'node:stream/consumers';
import { ArmError } from '../../../core/arm-error.ts';
import { CHUNK_SIZE, type ChunkRun } from '../../../core/content-id.ts';
import type { BlobInfo, BlobStore } from '../../../ports/blob-store.ts';
import type { DomainContext } from '../../context.ts';
import type { GalleryImageVersionInternal } from '../../gallery-image-versions/gallery-image-version.ts';
import type { GalleryImage } from '../../gallery-images/gallery-image.ts';
import type { TemplateSource } from '../image-template.ts';
import { managedImageSource, sharedImageVersionSource } from '../template-references.ts';
import { manifestOf } from '../../replication/chunk-manifest.ts';
import { readManifest, verifyReplica } from '../../replication/chunk-store.ts';
import { resolvePlatformImage, urn } from '../../platform-images/catalog.ts';
import { WINDOWS_NOT_BUILT } from './windows-refusal.ts';

export interface SourceBytes {
  description: string;
  /** How many bytes `open` gives. */
  size: number;
  open(): Readable;
  /** The gallery image version the source resolved to, for the `Source` versioning scheme. */
  versionName?: string;
  /** What the source resolved to (`latest`): a platform image's version, a gallery image version's id (as Azure shows them). */
  exactVersion?: string;
  /** Its Hyper-V generation where the source says (V2 boots with UEFI). */
  hyperVGeneration?: 'V1' | 'V2';
  /** Reads `length` bytes at `offset` (a region store serves any piece): the build then needs no copy of the source. */
  readRange?(offset: number, length: number): Promise<Buffer>;
  /**
   * Where the bytes are held as a store's chunks: the region, and the chunk list when that store
   * keeps blobs as chunks, so a built image that differs from its source in a few chunks is stored
   * as the source's list with those replaced (built-vhd.ts).
   */
  stored?: { region: string; runs(): Promise<ChunkRun[] | undefined> };
  /** The sealed bytes' content name (sha256): a root that passed its check once is not checked again. */
  contentId?: string;
}

/** A store blob's bytes as a source reads them: the whole, a piece, and the chunk list. */
function storedBlob(
  store: BlobStore,
  info: BlobInfo,
): Pick<SourceBytes, 'open' | 'readRange' | 'stored' | 'contentId'> {
  const { key } = info;
  return {
    contentId: info.sha256,
    open: () => store.read(key),
    readRange:
      store.rangeReader?.(key) ??
      ((offset, length) => buffer(store.read(key, { start: offset, end: offset + length - 1 }))),
    stored: { region: store.region, runs: () => store.chunks(key) },
  };
}

export async function findTemplateSource(
  ctx: DomainContext,
  source: TemplateSource,
  region: string,
  signal: AbortSignal,
): Promise<SourceBytes> {
  const target = 'properties.source';
  switch (source.type) {
    case 'ManagedImage': {
      const image = await managedImageSource(ctx, source.imageId, region);
      if (image.data.resource.properties.storageProfile.osDisk.osType === 'Windows')
        throw windows(source.imageId, `${target}.imageId`);
      const os = image.data.internal.blobs.find((b) => b.key.endsWith('/os.vhd'));
      const store = os && ctx.regions.get(os.region);
      const info = os && (await store?.stat(os.key));
      if (!os || !store || !info)
        throw new ArmError(
          400,
          'BadManagedImageSource',
          `The managed image '${source.imageId}' has no OS disk data.`,
          `${target}.imageId`,
        );
      return {
        description: `managed image ${image.data.resource.id}`,
        size: info.size,
        hyperVGeneration: image.data.resource.properties.hyperVGeneration,
        ...storedBlob(store, info),
      };
    }
    case 'SharedImageVersion': {
      const version = await sharedImageVersionSource(ctx, source.imageVersionId, region);
      const definition = await ctx.store.get<{ resource: GalleryImage }>(version.parent ?? '');
      if (definition?.data.resource.properties.osType === 'Windows')
        throw windows(version.data.resource.id, `${target}.imageVersionId`);
      const disk = (version.data.internal as GalleryImageVersionInternal).disks.find((d) => d.lun === 'os');
      const manifest = disk?.manifest && manifestOf(disk.manifest);
      const regions = version.data.resource.properties.publishingProfile.targetRegions.map((t) => t.name);
      const store = ctx.regions.get(region);
      if (!manifest || !regions.includes(region) || !store || (await verifyReplica(store, 1, manifest)).length > 0) {
        throw new ArmError(
          400,
          'BadSharedImageVersionSource',
          `The image version '${version.data.resource.id}' is not replicated to the template's region '${region}' (its target regions: ${regions.map((r) => `'${r}'`).join(', ')}); add '${region}' to its target regions.`,
          `${target}.imageVersionId`,
        );
      }
      return {
        description: `image version ${version.data.resource.id}`,
        size: manifest.size,
        contentId: manifest.sha256,
        open: () => readManifest(store, 1, manifest),
        readRange: (offset, length) =>
          buffer(readManifest(store, 1, manifest, { start: offset, end: offset + length - 1 })),
        // The version's chunks are its primary replica's blobs, in the store's one pool.
        stored: { region, runs: async () => (manifest.chunkSize === CHUNK_SIZE ? manifest.runs : undefined) },
        versionName: version.data.resource.name,
        exactVersion: version.data.resource.id,
        hyperVGeneration: definition?.data.resource.properties.hyperVGeneration,
      };
    }
    case 'PlatformImage': {
      const image = await resolvePlatformImage(ctx, source, target);
      const store = ctx.regions.get(image.blob.region);
      const info = await store?.stat(image.blob.key);
      if (!store || !info)
        throw new ArmError(
          400,
          'BadPIRSource',
          `The platform image ${urn(image)} lost its bytes; import it again.`,
          target,
        );
      return {
        description: `platform image ${urn(image)}`,
        size: info.size,
        ...storedBlob(store, info),
        exactVersion: image.version,
        hyperVGeneration: image.hyperVGeneration,
      };
    }
    case 'ISO': {
      const response = await fetch(source.sourceURI, { signal });
      if (!response.ok || !response.body)
        throw new ArmError(
          400,
          'BadSourceType',
          `Downloading the ISO from ${redactQuery(source.sourceURI)} failed: HTTP ${response.status}.`,
          `${target}.sourceURI`,
        );
      const hash = createHash('sha256');
      await pipeline(
        Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
        new Writable({ write: (chunk, _encoding, done) => (hash.update(chunk), done()) }),
        { signal },
      );
      const actual = hash.digest('hex');
      if (actual !== source.sha256Checksum.toLowerCase()) {
        throw new ArmError(
          400,
          'BadSourceType',
          `The ISO's sha256 is ${actual}, but the template's sha256Checksum is ${source.sha256Checksum}.`,
          `${target}.sha256Checksum`,
        );
      }
      throw new ArmError(
        400,
        'BadSourceType',
        `The ISO was downloaded and its sha256 matches, but building from an installer ISO needs a VM-based build driver, which Kiln does not have yet.`,
        `${target}.sourceURI`,
      );
    }
  }
}

const redactQuery = (uri: string) => uri.replace(/\?.*$/, '?***');

const windows = (id: string, target: string) =>
  new ArmError(400, 'BadSourceType', `The source '${id}' is a Windows image: ${WINDOWS_NOT_BUILT}.`, target);
