/** Routes of Microsoft.Compute/galleries and galleries/images (image definitions). */
import type { FastifyInstance } from 'fastify';
import { createOrUpdateGallery, deleteGallery, getGallery, listGalleries, updateGallery } from '../../domain/galleries/operations.ts';
import {
  createOrUpdateGalleryImage,
  deleteGalleryImage,
  getGalleryImage,
  listGalleryImages,
  updateGalleryImage,
  type GalleryImageRef,
} from '../../domain/gallery-images/operations.ts';
import { armRoute, jsonBody, params } from '../arm/arm-route.ts';
import { conditionsOf, pageRequest, sendPage, sendResource } from '../arm/reply.ts';
import type { AppDeps } from '../deps.ts';

const GALLERIES = 'microsoft.compute/galleries';
const IMAGES = 'microsoft.compute/galleries/images';
export const GALLERY_PATH = '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName/providers/Microsoft.Compute/galleries/:galleryName';
export const GALLERY_IMAGE_PATH = `${GALLERY_PATH}/images/:galleryImageName`;

export const galleryImageRef = (p: Record<string, string>): GalleryImageRef => ({
  subscription: p.subscriptionId,
  resourceGroup: p.resourceGroupName,
  gallery: p.galleryName,
  name: p.galleryImageName,
});

export function registerGalleryRoutes(scope: FastifyInstance, { domain }: AppDeps): void {
  armRoute(scope, 'PUT', GALLERY_PATH, GALLERIES, async (request, reply) => {
    const p = params(request);
    const result = await createOrUpdateGallery(domain, p.subscriptionId, p.resourceGroupName, p.galleryName, jsonBody(request), conditionsOf(request));
    return sendResource(reply, result.status, result.gallery, result.etag);
  });
  armRoute(scope, 'PATCH', GALLERY_PATH, GALLERIES, async (request, reply) => {
    const p = params(request);
    const result = await updateGallery(domain, p.subscriptionId, p.resourceGroupName, p.galleryName, jsonBody(request), conditionsOf(request));
    return sendResource(reply, 200, result.gallery, result.etag);
  });
  armRoute(scope, 'GET', GALLERY_PATH, GALLERIES, async (request, reply) => {
    const p = params(request);
    const record = await getGallery(domain, p.subscriptionId, p.resourceGroupName, p.galleryName);
    return sendResource(reply, 200, record.data.resource, record.etag);
  });
  armRoute(scope, 'DELETE', GALLERY_PATH, GALLERIES, async (request, reply) => {
    const p = params(request);
    return reply.status((await deleteGallery(domain, p.subscriptionId, p.resourceGroupName, p.galleryName, conditionsOf(request))) ? 200 : 204).send();
  });
  armRoute(scope, 'GET', '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName/providers/Microsoft.Compute/galleries', GALLERIES, async (request, reply) => {
    const p = params(request);
    return sendPage(request, reply, await listGalleries(domain, p.subscriptionId, p.resourceGroupName, pageRequest(request)));
  });
  armRoute(scope, 'GET', '/subscriptions/:subscriptionId/providers/Microsoft.Compute/galleries', GALLERIES, async (request, reply) =>
    sendPage(request, reply, await listGalleries(domain, params(request).subscriptionId, undefined, pageRequest(request))),
  );

  armRoute(scope, 'PUT', GALLERY_IMAGE_PATH, IMAGES, async (request, reply) => {
    const result = await createOrUpdateGalleryImage(domain, galleryImageRef(params(request)), jsonBody(request), conditionsOf(request));
    return sendResource(reply, result.status, result.image, result.etag);
  });
  armRoute(scope, 'PATCH', GALLERY_IMAGE_PATH, IMAGES, async (request, reply) => {
    const result = await updateGalleryImage(domain, galleryImageRef(params(request)), jsonBody(request), conditionsOf(request));
    return sendResource(reply, 200, result.image, result.etag);
  });
  armRoute(scope, 'GET', GALLERY_IMAGE_PATH, IMAGES, async (request, reply) => {
    const record = await getGalleryImage(domain, galleryImageRef(params(request)));
    return sendResource(reply, 200, record.data.resource, record.etag);
  });
  armRoute(scope, 'DELETE', GALLERY_IMAGE_PATH, IMAGES, async (request, reply) =>
    reply.status((await deleteGalleryImage(domain, galleryImageRef(params(request)), conditionsOf(request))) ? 200 : 204).send(),
  );
  armRoute(scope, 'GET', `${GALLERY_PATH}/images`, IMAGES, async (request, reply) => {
    const p = params(request);
    return sendPage(request, reply, await listGalleryImages(domain, { subscription: p.subscriptionId, resourceGroup: p.resourceGroupName, gallery: p.galleryName }, pageRequest(request)));
  });
}
