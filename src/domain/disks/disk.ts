/** Managed disks and snapshots share one shape: a resource whose bytes are a fixed VHD in its region's store. */
import { ArmError } from '../../core/arm-error.ts';
import { DISK_SKUS, SNAPSHOT_SKUS } from '../../core/disk-skus.ts';
import type { ArmResource, OwnedBlob, ResourceRecord } from '../shared/arm-resource.ts';
import type { OsDescription } from './disk-settings.ts';
import type { Performance } from './performance.ts';

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
  /** Bytes per logical sector of an Ultra or Premium SSD v2 disk: 512 or 4096. */
  logicalSectorSize?: number;
  /** A CopyStart snapshot's copy speed, `None` or `Enhanced`: stored, since Kiln's copies go as fast as its stores do. */
  provisionedBandwidthCopySpeed?: string;
  /** A large disk's performance boost, and how long a snapshot is kept for instant access: stored (creation-options.ts). */
  performancePlus?: boolean;
  instantAccessDurationMinutes?: number;
}

/** Why a CopyStart snapshot's background copy failed, as Azure reports it (`CopySourceNotFound`: its source went). */
export interface CopyCompletionError {
  errorCode: string;
  errorMessage: string;
}

export interface Disk extends ArmResource {
  location: string;
  /** A disk's availability zone, when its creation named one. */
  zones?: string[];
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
    /** Whether export and upload URLs also ask for an Entra ID caller; a disk's attach hint and availability policy (data-access.ts). */
    dataAccessAuthMode?: string;
    optimizedForFrequentAttach?: boolean;
    availabilityPolicy?: { actionOnDiskDelay?: string };
    /** A snapshot's: whether it is incremental, and then the family of its disk's incremental snapshots. */
    incremental?: boolean;
    incrementalSnapshotFamilyId?: string;
    /**
     * A CopyStart snapshot's: how much of its background copy is done (0 to 100), the copy's failure,
     * and whether it can be used (`Pending` until its bytes are in, then `Available`).
     */
    completionPercent?: number;
    copyCompletionError?: CopyCompletionError;
    snapshotAccessState?: 'Pending' | 'Available';
    /** A disk's: how many VMs may attach it at once, whether on-demand bursting is on and since when (shares-and-bursting.ts). */
    maxShares?: number;
    burstingEnabled?: boolean;
    burstingEnabledTime?: string;
    /** The security type of the VM the OS on it is for (body-members.ts). */
    securityProfile?: { securityType: string };
  } & OsDescription &
    Partial<Performance>;
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
  // Empty as Azure takes it (the Azure CLI's snapshot scenarios make one with only --size-gb);
  // CopyStart: an incremental snapshot's copy made in the background, across regions as a rule.
  createOptions: ['Empty', 'Upload', 'Copy', 'Import', 'CopyStart'],
  skus: SNAPSHOT_SKUS,
};

export const GIB = 1024 ** 3;

export function skuTier(sku: string): string {
  if (sku.startsWith('Premium')) return 'Premium';
  if (sku.startsWith('UltraSSD')) return 'Ultra';
  return 'Standard';
}

/** Where a disk's first bytes go: its upload's staging blob, or what its creation fills. */
export const diskBlobKey = (family: DiskFamily, uniqueId: string) => `${family.collection}/${uniqueId}.vhd`;

/** Where a disk grown to `sizeGB` keeps its bytes: beside the old ones, which it replaces once made. */
export const grownBlobKey = (family: DiskFamily, uniqueId: string, sizeGB: number) =>
  `${family.collection}/${uniqueId}.${sizeGB}gb.vhd`;

/** A CopyStart snapshot whose bytes are not in yet (its copy runs, or failed): nothing can read or change them. */
export const copyPending = (disk: Disk): boolean => disk.properties.snapshotAccessState === 'Pending';

/** Azure's refusal of a use of a snapshot whose background copy has not completed; `target` names the field that asked for it. */
export function copyPendingRefusal(disk: Disk, target?: string): ArmError {
  const { completionPercent, copyCompletionError } = disk.properties;
  return new ArmError(
    409,
    'OperationNotAllowed',
    copyCompletionError
      ? `The snapshot '${disk.id}' has no data: its background copy (createOption 'CopyStart') failed with ${copyCompletionError.errorCode}: ${copyCompletionError.errorMessage}`
      : `The snapshot '${disk.id}' cannot be used until its background copy (createOption 'CopyStart') completes; completionPercent is ${completionPercent ?? 0}.`,
    target,
  );
}

/** The blob a disk's bytes are in now: its sealed blob, or (before it has one) the staging key of its creation. */
export function diskBytes(family: DiskFamily, record: DiskRecord): OwnedBlob {
  const disk = record.data.resource;
  return record.data.internal.blobs[0] ?? { region: disk.location, key: diskBlobKey(family, disk.properties.uniqueId) };
}
