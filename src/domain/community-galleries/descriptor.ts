/**
 * Microsoft.Compute/locations/communityGalleries: galleries their publishers shared with everyone,
 * by public name, with their image definitions and versions, read-only, in each location.
 */
import { GALLERY_RP_API_VERSIONS } from '../galleries/descriptor.ts';
import { apiVersions, type ResourceTypeDescriptor } from '../shared/resource-type.ts';

const GALLERY =
  '/subscriptions/{subscription}/providers/Microsoft.Compute/locations/{location}/communityGalleries/{publicGalleryName}';
const IMAGES = `${GALLERY}/images`;
const VERSIONS = `${IMAGES}/{galleryImageName}/versions`;

/** The lists and the one-resource paths, by what they name: `{parameters}` are the fields of the refs in operations.ts. */
export const COMMUNITY_GALLERY_PATHS = {
  gallery: GALLERY,
  images: IMAGES,
  image: `${IMAGES}/{galleryImageName}`,
  versions: VERSIONS,
  version: `${VERSIONS}/{galleryImageVersionName}`,
};

export const COMMUNITY_GALLERY_TYPE: ResourceTypeDescriptor = {
  type: 'Microsoft.Compute/locations/communityGalleries',
  tracking: 'none',
  // communityGallery.json from GalleryRP 2021-07-01 on.
  apiVersions: apiVersions(GALLERY_RP_API_VERSIONS.filter((v) => v >= '2021-07-01')),
  path: COMMUNITY_GALLERY_PATHS.version,
  collections: [IMAGES, VERSIONS],
  references: [],
};
