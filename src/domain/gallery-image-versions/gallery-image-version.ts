/** Microsoft.Compute/galleries/images/versions: a numbered image, replicated to target regions. */
import { ArmError } from '../../core/arm-error.ts';
import type { MetadataStore } from '../../ports/metadata-store.ts';
import type { ArmResource, ResourceRecord } from '../shared/arm-resource.ts';
import type { BlobLocation } from '../shared/blob-copy.ts';
import type { StoredManifest } from '../replication/chunk-manifest.ts';
import type { RegionEncryption, VersionSecurityProfile } from './version-security.ts';

export const GALLERY_IMAGE_VERSION_KIND = 'microsoft.compute/galleries/images/versions';

export interface TargetRegion {
  name: string;
  regionalReplicaCount: number;
  storageAccountType: string;
  excludeFromLatest: boolean;
  encryption?: RegionEncryption;
}

export const REPLICATION_MODES = ['Full', 'Shallow'] as const;
export type ReplicationMode = (typeof REPLICATION_MODES)[number];
/** Each strategy and the storage type it picks (Kiln's regions have every type alike). */
export const STORAGE_ACCOUNT_STRATEGIES = {
  PreferStandard_ZRS: 'Standard_ZRS',
  DefaultStandard_LRS: 'Standard_LRS',
} as const;
export type StorageAccountStrategy = keyof typeof STORAGE_ACCOUNT_STRATEGIES;

export interface DiskImageSource {
  id?: string;
  uri?: string;
  storageAccountId?: string;
}

export interface GalleryDiskImage {
  source?: DiskImageSource;
  hostCaching: 'None' | 'ReadOnly' | 'ReadWrite';
  sizeInGB?: number;
}

/**
 * What protects the version: `allowDeletionOfReplicatedLocations` guards the removal of target
 * regions; `blockDeletionBeforeEndOfLife` refuses its DELETE until `endOfLifeDate` has passed (with
 * no end of life, until the flag is cleared). Records from before the latter read it as false.
 */
export interface SafetyProfile {
  allowDeletionOfReplicatedLocations: boolean;
  blockDeletionBeforeEndOfLife?: boolean;
}

export interface GalleryImageVersion extends ArmResource {
  location: string;
  properties: {
    publishingProfile: {
      targetRegions: TargetRegion[];
      replicaCount: number;
      excludeFromLatest: boolean;
      publishedDate: string;
      endOfLifeDate?: string;
      storageAccountType: string;
      /** Shallow: the version lives in its own region only (target regions elsewhere are refused). Not updatable. */
      replicationMode?: ReplicationMode;
      /** How the storage type was chosen (not updatable); `storageAccountType` is the one it chose. */
      storageAccountStrategy?: StorageAccountStrategy;
    };
    storageProfile: {
      /** A managed image or version by `id`; a VM by `virtualMachineId` (api-version 2023-07-03 on) or, as older clients send it, by `id`. */
      /** `communityGalleryImageId`: a community gallery's image (its latest version) or version, by public name. */
      source?: { id?: string; virtualMachineId?: string; communityGalleryImageId?: string };
      osDiskImage?: GalleryDiskImage;
      dataDiskImages?: Array<GalleryDiskImage & { lun: number }>;
    };
    safetyProfile: SafetyProfile;
    securityProfile?: VersionSecurityProfile;
    provisioningState: 'Creating' | 'Updating' | 'Succeeded' | 'Failed';
  };
}

/**
 * One disk of the version: the blob its bytes come from (ingested into chunks by the replication
 * job), or, when made from another version, that version's manifest and the region holding it.
 */
export interface VersionDisk {
  lun: 'os' | number;
  source?: BlobLocation;
  /** Written as runs; a record from before runs may hold a chunk list, so read it with `manifestOf`. */
  manifest?: StoredManifest;
  /** Region whose primary replica holds the manifest's chunks. */
  chunkRegion?: string;
}

export interface GalleryImageVersionInternal {
  disks: VersionDisk[];
  /** Key of the managed image the version was made from, for the "still replicating" rule. */
  sourceImageKey?: string;
}

export type GalleryImageVersionRecord = ResourceRecord<GalleryImageVersion, GalleryImageVersionInternal>;

export const MAX_VERSION_PART = 2 ** 31 - 1;

/** `Major.Minor.Patch`, digits and periods only, each part a 32-bit integer. */
export function checkVersionName(name: string): void {
  const parts = /^(\d+)\.(\d+)\.(\d+)$/.exec(name);
  const tooBig = parts?.slice(1).find((p) => Number(p) > MAX_VERSION_PART);
  if (!parts || tooBig !== undefined) {
    throw new ArmError(
      400,
      'InvalidParameter',
      parts
        ? `The gallery image version name '${name}' is invalid: its part ${tooBig} does not fit a 32-bit integer (at most ${MAX_VERSION_PART}).`
        : `The gallery image version name '${name}' is invalid: it must be Major.Minor.Patch, three 32-bit integers of digits separated by periods.`,
      'galleryImageVersionName',
    );
  }
}

/** Orders version names numerically part by part. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

/** Every version of the image definition whose record key is `definitionKey` (by the parent index, up to 100,000). */
export async function versionsOf(store: MetadataStore, definitionKey: string): Promise<GalleryImageVersionRecord[]> {
  return (await store.list<GalleryImageVersionRecord['data']>({
    kind: GALLERY_IMAGE_VERSION_KIND,
    parent: definitionKey,
    limit: 100_000,
  })) as GalleryImageVersionRecord[];
}
