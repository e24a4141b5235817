/**
 * Routes of the sharing views of galleries: `locations/sharedGalleries` (what is shared with a
 * subscription or its tenant) and `locations/communityGalleries` (what is public), GETs only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { COMMUNITY_GALLERY_PATHS, COMMUNITY_GALLERY_TYPE } from '../../domain/community-galleries/descriptor.ts';
import {
  getCommunityGallery,
  getCommunityGalleryImage,
  getCommunityGalleryImageVersion,
  listCommunityGalleryImages,
  listCommunityGalleryImageVersions,
} from '../../domain/community-galleries/operations.ts';
import { SHARED_GALLERY_PATHS, SHARED_GALLERY_TYPE } from '../../domain/shared-galleries/descriptor.ts';
import {
  getSharedGallery,
  getSharedGalleryImage,
  getSharedGalleryImageVersion,
  listSharedGalleries,
  listSharedGalleryImages,
  listSharedGalleryImageVersions,
} from '../../domain/shared-galleries/operations.ts';
import type { ResourceTypeDescriptor } from '../../domain/shared/resource-type.ts';
import { armRoute, refOf, routePath } from '../arm/arm-route.ts';
import type { AppDeps } from '../deps.ts';

export function registerGallerySharingRoutes(scope: FastifyInstance, { domain }: AppDeps): void {
  const get =
    (type: ResourceTypeDescriptor) => (template: string, answer: (request: FastifyRequest) => Promise<unknown>) =>
      armRoute(scope, 'GET', routePath(template), type, answer);

  const shared = get(SHARED_GALLERY_TYPE);
  const s = SHARED_GALLERY_PATHS;
  shared(s.galleries, (request) =>
    listSharedGalleries(domain, refOf(request), (request.query as Record<string, unknown>).sharedTo),
  );
  shared(s.gallery, (request) => getSharedGallery(domain, refOf(request)));
  shared(s.images, (request) => listSharedGalleryImages(domain, refOf(request)));
  shared(s.image, (request) => getSharedGalleryImage(domain, refOf(request)));
  shared(s.versions, (request) => listSharedGalleryImageVersions(domain, refOf(request)));
  shared(s.version, (request) => getSharedGalleryImageVersion(domain, refOf(request)));

  const community = get(COMMUNITY_GALLERY_TYPE);
  const c = COMMUNITY_GALLERY_PATHS;
  community(c.gallery, (request) => getCommunityGallery(domain, refOf(request)));
  community(c.images, (request) => listCommunityGalleryImages(domain, refOf(request)));
  community(c.image, (request) => getCommunityGalleryImage(domain, refOf(request)));
  community(c.versions, (request) => listCommunityGalleryImageVersions(domain, refOf(request)));
  community(c.version, (request) => getCommunityGalleryImageVersion(domain, refOf(request)));
}
