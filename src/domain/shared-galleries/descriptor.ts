/**
 * Microsoft.Compute/locations/sharedGalleries: the galleries shared with a subscription or its tenant
 * (direct shared galleries), their image definitions and versions, read-only, in each location.
 */
import { GALLERY_RP_API_VERSIONS } from '../galleries/descriptor.ts';
import { apiVersions, type ResourceTypeDescriptor } from '../shared/resource-type.ts';

const GALLERIES = '/subscriptions/{subscription}/providers/Microsoft.Compute/locations/{location}/sharedGalleries';
const IMAGES = `${GALLERIES}/{galleryUniqueName}/images`;
const VERSIONS = `${IMAGES}/{galleryImageName}/versions`;

/** The lists and the one-resource paths, by what they name: `{parameters}` are the fields of the refs in operations.ts. */
export const SHARED_GALLERY_PATHS = {
  galleries: GALLERIES,
  gallery: `${GALLERIES}/{galleryUniqueName}`,
  images: IMAGES,
  image: `${IMAGES}/{galleryImageName}`,
  versions: VERSIONS,
  version: `${VERSIONS}/{galleryImageVersionName}`,
};

export const SHARED_GALLERY_TYPE: ResourceTypeDescriptor = {
  type: 'Microsoft.Compute/locations/sharedGalleries',
  tracking: 'none',
  // sharedGallery.json from GalleryRP 2020-09-30 (preview) on.
  apiVersions: apiVersions(GALLERY_RP_API_VERSIONS.filter((v) => v >= '2020-09-30')),
  path: SHARED_GALLERY_PATHS.version,
  collections: [GALLERIES, IMAGES, VERSIONS],
  references: [],
};
