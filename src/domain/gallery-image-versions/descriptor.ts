/** Microsoft.Compute/galleries/images/versions. */
import { GALLERY_RP_API_VERSIONS } from '../galleries/descriptor.ts';
import type { ResourceTypeWithPaths } from '../shared/resource-type.ts';

const DEFINITION =
  '/subscriptions/{subscription}/resourceGroups/{resourceGroup}/providers/Microsoft.Compute/galleries/{gallery}/images/{image}';

export const GALLERY_IMAGE_VERSION_TYPE: ResourceTypeWithPaths = {
  type: 'Microsoft.Compute/galleries/images/versions',
  tracking: 'tracked',
  readOnly: [
    'properties.provisioningState',
    'properties.publishingProfile.publishedDate',
    'properties.storageProfile.osDiskImage.sizeInGB',
    'properties.storageProfile.dataDiskImages[].sizeInGB',
    'properties.replicationStatus',
  ],
  apiVersions: GALLERY_RP_API_VERSIONS,
  path: `${DEFINITION}/versions/{version}`,
  collections: [`${DEFINITION}/versions`],
  // A version is made from a managed image, a VM, a disk, a snapshot or another version, wherever it
  // lives (another subscription's shared gallery: the caller needs read on it); `uri` sources are Kiln blob URLs.
  // api-versions before 2019-07-01 name the managed image in publishingProfile.source (older-form.ts).
  references: [
    'properties.publishingProfile.source.managedImage.id',
    'properties.storageProfile.source.id',
    'properties.storageProfile.source.virtualMachineId',
    'properties.storageProfile.osDiskImage.source.id',
    'properties.storageProfile.dataDiskImages[].source.id',
  ].map((field) => ({ field, needs: 'read' as const })),
};
