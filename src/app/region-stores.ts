/**
 * Builds every region's blob store from the configuration: a local folder (the embedded default) or
 * a container of an Azure Blob storage account (what several Kiln processes share when scaled out).
 * The Azure SDK loads only when a region names an account: it takes most of a second to load, which
 * every `kiln build` and embedded server would otherwise pay.
 */
import { createFsRegionStores } from '../adapters/fs-blob-store.ts';
import type { BlobStore, RegionStores } from '../ports/blob-store.ts';
import { regionDir, type RegionConfig } from './config.ts';

export async function createRegionStores(dataDir: string, regions: RegionConfig[]): Promise<RegionStores> {
  const local = createFsRegionStores(
    regions.filter((r) => !r.azureBlob).map((r) => ({ name: r.name, dir: regionDir(dataDir, r) })),
  );
  const azure = regions.some((r) => r.azureBlob) ? await import('../adapters/azure-blob-store.ts') : undefined;
  const stores = new Map<string, BlobStore>();
  for (const region of regions) {
    const name = region.name.toLowerCase();
    if (stores.has(name)) throw new Error(`Region '${name}' is configured twice.`);
    stores.set(name, region.azureBlob ? azure!.createAzureBlobStore(name, region.azureBlob) : local.get(name)!);
  }
  return { regions: () => [...stores.keys()], get: (region) => stores.get(region.toLowerCase()) };
}
