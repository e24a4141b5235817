/** Microsoft.Compute/galleries/softDeletedArtifactTypes/artifacts/versions: a gallery's soft-deleted image versions. */
import { GALLERY_RP_API_VERSIONS } from '../galleries/descriptor.ts';
import { apiVersions, type ResourceTypeDescriptor } from '../shared/resource-type.ts';
import { SOFT_DELETE_FIRST_API_VERSION } from '../galleries/validate-gallery.ts';

/** `{parameters}` name the fields of `SoftDeletedListRef` (operations.ts). */
export const SOFT_DELETED_VERSIONS =
  '/subscriptions/{subscription}/resourceGroups/{resourceGroup}/providers/Microsoft.Compute/galleries/{gallery}/softDeletedArtifactTypes/{artifactType}/artifacts/{artifactName}/versions';

export const SOFT_DELETED_RESOURCE_TYPE: ResourceTypeDescriptor = {
  type: 'Microsoft.Compute/galleries/softDeletedArtifactTypes/artifacts/versions',
  // Listed only (SoftDeletedResource_ListByArtifactName); restored by a version PUT or PATCH with `restore`.
  tracking: 'none',
  apiVersions: apiVersions(GALLERY_RP_API_VERSIONS.filter((v) => v >= SOFT_DELETE_FIRST_API_VERSION)),
  collections: [SOFT_DELETED_VERSIONS],
  references: [],
};
