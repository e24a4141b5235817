/** Microsoft.Compute/images: a standalone image, an OS disk plus data disks, each pinned as its own copy. */
import type { ArmResource, OwnedBlob, ResourceRecord } from '../shared/arm-resource.ts';

export interface ImageDisk {
  lun?: number;
  osType?: 'Windows' | 'Linux';
  osState?: 'Generalized' | 'Specialized';
  blobUri?: string;
  managedDisk?: { id: string };
  snapshot?: { id: string };
  caching: 'None' | 'ReadOnly' | 'ReadWrite';
  diskSizeGB?: number;
  storageAccountType?: string;
  diskEncryptionSet?: { id: string };
}

export interface Image extends ArmResource {
  location: string;
  extendedLocation?: { name: string; type: 'EdgeZone' };
  properties: {
    sourceVirtualMachine?: { id: string };
    storageProfile: { osDisk: ImageDisk; dataDisks: ImageDisk[]; zoneResilient?: boolean };
    provisioningState: 'Creating' | 'Succeeded' | 'Failed';
    hyperVGeneration?: 'V1' | 'V2';
  };
}

export interface ImageInternal {
  blobs: OwnedBlob[];
}

export type ImageRecord = ResourceRecord<Image, ImageInternal>;

export const CACHING = ['None', 'ReadOnly', 'ReadWrite'] as const;
export const OS_STATES = ['Generalized', 'Specialized'] as const;
export const MAX_IMAGE_DISK_GB = 1023;

export const imageBlobKey = (imageUniqueId: string, disk: 'os' | number) =>
  `images/${imageUniqueId}/${disk === 'os' ? 'os' : `lun${disk}`}.vhd`;
