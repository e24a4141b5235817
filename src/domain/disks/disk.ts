/** Managed disks and snapshots share one shape: a resource whose bytes are a fixed VHD in its region's store. */
import { DISK_SKUS, SNAPSHOT_SKUS } from '../../core/disk-skus.ts';
import type { ArmResource, OwnedBlob, ResourceRecord } from '../shared/arm-resource.ts';

/** `Attached`: the OS disk of a VM that holds its allocation; `Reserved`: of a deallocated one. */
export type DiskState = 'Unattached' | 'Attached' | 'Reserved' | 'ReadyToUpload' | 'ActiveUpload' | 'ActiveSAS';
export type ProvisioningState = 'Creating' | 'Updating' | 'Succeeded' | 'Failed';

/** An image a disk is made `FromImage`: its id, and the LUN of the image's data disk it copies (the OS disk when absent). */
export interface ImageDiskReference {
  id: string;
  lun?: number;
}

export interface CreationData {
  createOption: string;
  uploadSizeBytes?: number;
  sourceResourceId?: string;
  sourceUniqueId?: string;
  sourceUri?: string;
  storageAccountId?: string;
  /** A platform image version, or (Kiln's extension) a managed image or gallery image version. */
  imageReference?: ImageDiskReference;
  /** A gallery image version. */
  galleryImageReference?: ImageDiskReference;
}

export interface Disk extends ArmResource {
  location: string;
  /** The VM the disk is attached to, as Azure shows it. */
  managedBy?: string;
  sku: { name: string; tier: string };
  properties: {
    osType?: 'Windows' | 'Linux';
    hyperVGeneration?: 'V1' | 'V2';
    creationData: CreationData;
    diskSizeGB: number;
    diskSizeBytes: number;
    uniqueId: string;
    timeCreated: string;
    provisioningState: ProvisioningState;
    diskState: DiskState;
    encryption: { type: string };
    networkAccessPolicy: string;
    publicNetworkAccess: string;
    incremental?: boolean;
  };
}

export interface DiskInternal {
  /** The sealed VHD (data plus footer); absent until creation or upload completes. */
  blobs: OwnedBlob[];
  sha256?: string;
}

export type DiskRecord = ResourceRecord<Disk, DiskInternal>;

/** What differs between `disks` and `snapshots`. */
export interface DiskFamily {
  type: 'Microsoft.Compute/disks' | 'Microsoft.Compute/snapshots';
  collection: 'disks' | 'snapshots';
  createOptions: readonly string[];
  skus: readonly string[];
}

export const DISKS: DiskFamily = {
  type: 'Microsoft.Compute/disks',
  collection: 'disks',
  createOptions: ['Empty', 'Upload', 'Copy', 'Import', 'FromImage'],
  skus: DISK_SKUS,
};

export const SNAPSHOTS: DiskFamily = {
  type: 'Microsoft.Compute/snapshots',
  collection: 'snapshots',
  // Empty as Azure takes it (the Azure CLI's snapshot scenarios make one with only --size-gb).
  createOptions: ['Empty', 'Upload', 'Copy', 'Import'],
  skus: SNAPSHOT_SKUS,
};

export const GIB = 1024 ** 3;

export function skuTier(sku: string): string {
  if (sku.startsWith('Premium')) return 'Premium';
  if (sku.startsWith('UltraSSD')) return 'Ultra';
  return 'Standard';
}

export const diskBlobKey = (family: DiskFamily, uniqueId: string) => `${family.collection}/${uniqueId}.vhd`;
