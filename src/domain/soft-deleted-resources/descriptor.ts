/** Microsoft.Compute/galleries/softDeletedArtifactTypes/artifacts/versions: a gallery's soft-deleted image versions. */
import { GALLERY_RP_API_VERSIONS } from '../galleries/descriptor.ts';
import { apiVersions, type ResourceTypeDescriptor } from '../shared/resource-type.ts';

/** `{parameters}` name the fields of `SoftDeletedListRef` (operations.ts). */
export const SOFT_DELETED_VERSIONS =
  '/subscriptions/{subscription}/resourceGroups/{resourceGroup}/providers/Microsoft.Compute/galleries/{gallery}/softDeletedArtifactTypes/{artifactType}/artifacts/{artifactName}/versions';

export const SOFT_DELETED_RESOURCE_TYPE: ResourceTypeDescriptor = {
  type: 'Microsoft.Compute/galleries/softDeletedArtifactTypes/artifacts/versions',
  // Listed only (SoftDeletedResource_ListByArtifactName); restored by a version PUT or PATCH with `restore`.
  tracking: 'none',
  // SoftDeletedResource_ListByArtifactName from GalleryRP 2024-03-03 on, the version Azure's soft delete page names.
  apiVersions: apiVersions(GALLERY_RP_API_VERSIONS.filter((v) => v >= '2024-03-03')),
  collections: [SOFT_DELETED_VERSIONS],
  references: [],
};
