/** Routes of Microsoft.Compute/galleries and galleries/images (image definitions). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GALLERY_TYPE } from '../../domain/galleries/descriptor.ts';
import {
  createOrUpdateGallery,
  deleteGallery,
  getGallery,
  listGalleries,
  updateGallery,
} from '../../domain/galleries/operations.ts';
import { updateSharingProfile } from '../../domain/galleries/share.ts';
import { GALLERY_IMAGE_TYPE } from '../../domain/gallery-images/descriptor.ts';
import {
  createOrUpdateGalleryImage,
  deleteGalleryImage,
  getGalleryImage,
  listGalleryImages,
  updateGalleryImage,
  type GalleryImageRef,
} from '../../domain/gallery-images/operations.ts';
import type { ListScope, ResourceRef } from '../../domain/shared/resource-ref.ts';
import { armRoute, jsonBody, refOf, routePath } from '../arm/arm-route.ts';
import { conditionsOf, pageRequest, sendAccepted } from '../arm/reply.ts';
import { apiVersionOf } from '../arm/urls.ts';
import { registerResourceRoutes } from '../arm/resource-routes.ts';
import type { AppDeps } from '../deps.ts';

const writeOptions = (request: FastifyRequest) => ({
  apiVersion: apiVersionOf(request),
  conditions: conditionsOf(request),
});

export function registerGalleryRoutes(scope: FastifyInstance, deps: AppDeps): void {
  const { domain } = deps;
  registerResourceRoutes<ResourceRef, ListScope>(scope, deps, {
    type: GALLERY_TYPE,
    async put(ref, request) {
      const result = await createOrUpdateGallery(domain, ref, jsonBody(request), writeOptions(request));
      return { status: result.status, body: result.gallery, etag: result.etag };
    },
    async patch(ref, request) {
      const result = await updateGallery(domain, ref, jsonBody(request), writeOptions(request));
      return { status: 200, body: result.gallery, etag: result.etag };
    },
    read: (ref) => getGallery(domain, ref),
    delete: (ref, request) => deleteGallery(domain, ref, conditionsOf(request)),
    list: (where, request) => listGalleries(domain, where, pageRequest(request)),
  });
  // GallerySharingProfile_Update: long-running (202, Location), polled to the sharing update it made.
  armRoute(scope, 'POST', routePath(`${GALLERY_TYPE.path}/share`), GALLERY_TYPE, async (request, reply) => {
    const { update, operation } = await updateSharingProfile(
      domain,
      refOf<ResourceRef>(request),
      jsonBody(request),
      request.principal?.oid,
    );
    return sendAccepted(request, reply, 202, operation, update);
  });

  registerResourceRoutes<GalleryImageRef, Omit<GalleryImageRef, 'name'>>(scope, deps, {
    type: GALLERY_IMAGE_TYPE,
    async put(ref, request) {
      const result = await createOrUpdateGalleryImage(domain, ref, jsonBody(request), conditionsOf(request));
      return { status: result.status, body: result.image, etag: result.etag };
    },
    async patch(ref, request) {
      const result = await updateGalleryImage(domain, ref, jsonBody(request), conditionsOf(request));
      return { status: 200, body: result.image, etag: result.etag };
    },
    read: (ref) => getGalleryImage(domain, ref),
    delete: (ref, request) => deleteGalleryImage(domain, ref, conditionsOf(request)),
    list: (gallery, request) => listGalleryImages(domain, gallery, pageRequest(request)),
  });
}
