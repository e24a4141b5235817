/** Microsoft.Compute/disks and /snapshots: one family of operations (disk.ts), two resource types. */
import { PLATFORM_IMAGE_VERSION_TYPE } from '../platform-images/image-id.ts';
import {
  apiVersions,
  inResourceGroup,
  type ResourceReference,
  type ResourceTypeWithPaths,
} from '../shared/resource-type.ts';

/**
 * Microsoft.Compute DiskRP (disk.json / snapshot.json / DiskRP.json): DiskRP/{stable,preview}/* plus
 * Compute/stable/2026-03-02/DiskRP.json (TypeSpec ComputeDisk); @azure/arm-compute 24.1.0 sends
 * 2025-01-02, 25.1.1 2026-03-02, azure-cli 2.45 2022-07-02.
 */
export const DISK_RP_API_VERSIONS = apiVersions([
  '2016-04-30-preview',
  '2017-03-30',
  '2018-04-01',
  '2018-06-01',
  '2018-09-30',
  '2019-03-01',
  '2019-07-01',
  '2019-11-01',
  '2020-05-01',
  '2020-06-30',
  '2020-09-30',
  '2020-12-01',
  '2021-04-01',
  '2021-08-01',
  '2021-12-01',
  '2022-03-02',
  '2022-07-02',
  '2023-01-02',
  '2023-04-02',
  '2023-10-02',
  '2024-03-02',
  '2025-01-02',
  '2026-03-02',
  '2026-03-04-preview',
  '2026-05-01-preview',
  '2026-06-01-preview',
]);

/** What only DiskRP sets of a disk or snapshot (disk.json's readOnly), left out of an exported template. */
const DISK_READ_ONLY = [
  'properties.provisioningState',
  'properties.timeCreated',
  'properties.uniqueId',
  'properties.diskSizeBytes',
  'properties.diskState',
  'properties.creationData.sourceUniqueId',
  'properties.incrementalSnapshotFamilyId',
  'properties.shareInfo',
  'properties.propertyUpdatesInProgress',
  'properties.lastOwnershipUpdateTime',
];

/** A copy reads its source disk or snapshot (a `sourceUri` blob is checked as every Kiln blob URL is). */
const COPY_REFERENCES: ResourceReference[] = [{ field: 'properties.creationData.sourceResourceId', needs: 'read' }];

export const DISK_TYPE: ResourceTypeWithPaths = {
  ...inResourceGroup('Microsoft.Compute/disks'),
  tracking: 'tracked',
  readOnly: DISK_READ_ONLY,
  apiVersions: DISK_RP_API_VERSIONS,
  // A disk from an image reads the managed image or gallery version; a platform image is everyone's.
  references: [
    ...COPY_REFERENCES,
    {
      field: 'properties.creationData.imageReference.id',
      needs: 'read',
      unchecked: [PLATFORM_IMAGE_VERSION_TYPE],
    },
    { field: 'properties.creationData.galleryImageReference.id', needs: 'read' },
  ],
};

/** snapshot.json ships with disk.json: the same api-versions. */
export const SNAPSHOT_TYPE: ResourceTypeWithPaths = {
  ...inResourceGroup('Microsoft.Compute/snapshots'),
  tracking: 'tracked',
  readOnly: DISK_READ_ONLY,
  apiVersions: DISK_RP_API_VERSIONS,
  references: COPY_REFERENCES,
};
