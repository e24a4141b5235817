/** Microsoft.Compute/galleries/images (image definitions). */
import { GALLERY_RP_API_VERSIONS } from '../galleries/descriptor.ts';
import type { ResourceTypeWithPaths } from '../shared/resource-type.ts';

const GALLERY =
  '/subscriptions/{subscription}/resourceGroups/{resourceGroup}/providers/Microsoft.Compute/galleries/{gallery}';

export const GALLERY_IMAGE_TYPE: ResourceTypeWithPaths = {
  type: 'Microsoft.Compute/galleries/images',
  tracking: 'tracked',
  readOnly: ['properties.provisioningState'],
  apiVersions: GALLERY_RP_API_VERSIONS,
  path: `${GALLERY}/images/{name}`,
  collections: [`${GALLERY}/images`],
  references: [],
};
