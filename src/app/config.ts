/**
 * Kiln's configuration, kept in `DIR/config.json`. The first start writes a fresh one: a tenant, a
 * subscription and the default regions, each region a folder under `DIR/regions`.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { writeFileAtomic } from './atomic-file.ts';

export interface RegionConfig {
  name: string;
  displayName: string;
  /** Folder of the region's blob store, relative to the data folder unless absolute. */
  dir?: string;
  /** Instead of a folder: a container of an Azure Blob storage account. */
  azureBlob?: { connectionString: string; container: string };
}

export interface KilnConfig {
  tenantId: string;
  subscriptions: Array<{ id: string; displayName: string }>;
  regions: RegionConfig[];
  /** Per-subscription, per-region limits (defaults: 10 galleries, 200 image definitions, 2000 versions). */
  quotas?: { galleries?: number; galleryImages?: number; galleryImageVersions?: number };
}

export const DEFAULT_REGIONS: Array<[string, string]> = [
  ['eastus', 'East US'],
  ['eastus2', 'East US 2'],
  ['westcentralus', 'West Central US'],
  ['westus', 'West US'],
  ['westus2', 'West US 2'],
  ['southcentralus', 'South Central US'],
];

export function defaultConfig(): KilnConfig {
  return {
    tenantId: randomUUID(),
    subscriptions: [{ id: randomUUID(), displayName: 'Kiln' }],
    regions: DEFAULT_REGIONS.map(([name, displayName]) => ({ name, displayName, dir: join('regions', name) })),
  };
}

export async function loadOrCreateConfig(dataDir: string): Promise<{ config: KilnConfig; created: boolean }> {
  const path = join(dataDir, 'config.json');
  try {
    return { config: JSON.parse(await readFile(path, 'utf8')) as KilnConfig, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
  const config = defaultConfig();
  await mkdir(dataDir, { recursive: true });
  await writeFileAtomic(path, JSON.stringify(config, null, 2) + '\n', 0o644);
  return { config, created: true };
}

export const regionDir = (dataDir: string, region: RegionConfig) => {
  const dir = region.dir ?? join('regions', region.name);
  return isAbsolute(dir) ? dir : join(dataDir, dir);
};
