/** Microsoft.Compute/galleries. */
import { apiVersions, inResourceGroup, type ResourceTypeWithPaths } from '../shared/resource-type.ts';

/**
 * Microsoft.Compute GalleryRP (gallery.json / GalleryRP.json): GalleryRP/{stable,preview}/* (2020-09-30
 * lives under preview/) plus 2025-12-03 (what @azure/arm-compute 25.1.1 sends) and 2026-03-03 (TypeSpec
 * ComputeGallery Versions enum); gallery image definitions and versions share it. @azure/arm-compute
 * 24.1.0 sends 2025-03-03, azure-cli 2.45 2022-03-03.
 */
export const GALLERY_RP_API_VERSIONS = apiVersions([
  '2018-06-01',
  '2019-03-01',
  '2019-07-01',
  '2019-12-01',
  '2020-09-30',
  '2021-07-01',
  '2021-10-01',
  '2022-01-03',
  '2022-03-03',
  '2022-08-03',
  '2023-07-03',
  '2024-03-03',
  '2025-03-03',
  '2025-12-03',
  '2026-03-03',
]);

export const GALLERY_TYPE: ResourceTypeWithPaths = {
  ...inResourceGroup('Microsoft.Compute/galleries'),
  tracking: 'tracked',
  readOnly: [
    'properties.provisioningState',
    'properties.identifier.uniqueName',
    'properties.sharingStatus',
    'properties.sharingProfile.groups',
    'properties.sharingProfile.communityGalleryInfo.communityGalleryEnabled',
    'properties.sharingProfile.communityGalleryInfo.publicNames',
  ],
  apiVersions: GALLERY_RP_API_VERSIONS,
  // A gallery's user-assigned identity takes the right to assign it, as every identity does in Azure.
  references: [
    {
      field: 'identity.userAssignedIdentities{}',
      needs: 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action',
    },
  ],
};
