/**
 * The Microsoft.Compute resources this feature shows, in the shapes the API returns them: managed
 * disks and snapshots (one shape, Azure's DiskRP) and managed images (ComputeRP). `KINDS` names, once
 * per type, what the pages need to call and to word it: its collection, api-version and portal path.
 */
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { parseId } from '../../arm/ids.ts';

export type OsType = 'Linux' | 'Windows';

export interface Disk {
  id: string;
  name: string;
  type: string;
  location: string;
  managedBy?: string;
  sku?: { name: string; tier?: string };
  properties: {
    osType?: OsType;
    hyperVGeneration?: 'V1' | 'V2';
    creationData: {
      createOption: string;
      sourceResourceId?: string;
      sourceUri?: string;
      imageReference?: { id: string };
    };
    diskSizeGB: number;
    diskSizeBytes?: number;
    timeCreated?: string;
    provisioningState: string;
    diskState?: string;
  };
}

export interface ImageDisk {
  osType?: OsType;
  osState?: 'Generalized' | 'Specialized';
  managedDisk?: { id: string };
  snapshot?: { id: string };
  blobUri?: string;
  diskSizeGB?: number;
  lun?: number;
}

export interface Image {
  id: string;
  name: string;
  type: string;
  location: string;
  properties: {
    sourceVirtualMachine?: { id: string };
    storageProfile: { osDisk: ImageDisk; dataDisks: ImageDisk[] };
    provisioningState: string;
    hyperVGeneration?: 'V1' | 'V2';
  };
}

export interface ComputeKind {
  type: 'Microsoft.Compute/disks' | 'Microsoft.Compute/snapshots' | 'Microsoft.Compute/images';
  /** The plural as a page title and nav entry says it. */
  title: string;
  /** The singular as a sentence says it. */
  noun: string;
  apiVersion: string;
  /** The portal path of its list; its create form is under `/create`. */
  path: string;
}

export const DISKS: ComputeKind = {
  type: 'Microsoft.Compute/disks',
  title: 'Disks',
  noun: 'disk',
  apiVersion: API_VERSIONS.disks,
  path: '/disks',
};

export const SNAPSHOTS: ComputeKind = {
  type: 'Microsoft.Compute/snapshots',
  title: 'Snapshots',
  noun: 'snapshot',
  apiVersion: API_VERSIONS.disks,
  path: '/snapshots',
};

export const IMAGES: ComputeKind = {
  type: 'Microsoft.Compute/images',
  title: 'Images',
  noun: 'image',
  apiVersion: API_VERSIONS.images,
  path: '/images',
};

export { DISK_SKUS, SNAPSHOT_SKUS } from '../../../../src/core/disk-skus.ts';

export const OS_TYPES: readonly OsType[] = ['Linux', 'Windows'];

/** Work the server is still doing on a resource: its pages poll until it ends. */
export const inProgress = (resource: { properties: { provisioningState: string } }) =>
  ['creating', 'updating', 'deleting'].includes(resource.properties.provisioningState.toLowerCase());

/** The resource group of a resource id (`/subscriptions/s/resourceGroups/g/...`). */
export const groupOf = (id: string) => id.split('/')[4] ?? '';

/** What a resource id names, as a sentence says it: `disk`, `snapshot`, `image`, `virtualMachine`. */
export const nounOf = (id: string) => parseId(id).type.split('/').at(-1)!.replace(/s$/, '');

export const gib = (size: number | undefined) => (size === undefined ? '—' : `${size} GiB`);

export function timeOf(iso: string | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}
