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
import { jsonBody, params } from '../arm/arm-route.ts';
import { conditionsOf, pageRequest } from '../arm/reply.ts';
import { registerResourceRoutes } from '../arm/resource-routes.ts';
import type { AppDeps } from '../deps.ts';

const GROUP = '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName';
export const GALLERY_PATH = `${GROUP}/providers/Microsoft.Compute/galleries/:galleryName`;
export const GALLERY_IMAGE_PATH = `${GALLERY_PATH}/images/:galleryImageName`;

const galleryImageRef = (p: Record<string, string>): GalleryImageRef => ({
  subscription: p.subscriptionId,
  resourceGroup: p.resourceGroupName,
  gallery: p.galleryName,
  name: p.galleryImageName,
});

export function registerGalleryRoutes(scope: FastifyInstance, deps: AppDeps): void {
  const { domain } = deps;
  registerResourceRoutes(scope, deps, {
    type: 'microsoft.compute/galleries',
    path: GALLERY_PATH,
    collections: [`${GROUP}/providers/Microsoft.Compute/galleries`, '/subscriptions/:subscriptionId/providers/Microsoft.Compute/galleries'],
    async put(request) {
      const p = params(request);
      const result = await createOrUpdateGallery(domain, p.subscriptionId, p.resourceGroupName, p.galleryName, jsonBody(request), conditionsOf(request));
      return { status: result.status, body: result.gallery, etag: result.etag };
    },
    async patch(request) {
      const p = params(request);
      const result = await updateGallery(domain, p.subscriptionId, p.resourceGroupName, p.galleryName, jsonBody(request), conditionsOf(request));
      return { status: 200, body: result.gallery, etag: result.etag };
    },
    async get(request) {
      const p = params(request);
      const record = await getGallery(domain, p.subscriptionId, p.resourceGroupName, p.galleryName);
      return { body: record.data.resource, etag: record.etag };
    },
    delete: (request) => {
      const p = params(request);
      return deleteGallery(domain, p.subscriptionId, p.resourceGroupName, p.galleryName, conditionsOf(request));
    },
    list: (request) => listGalleries(domain, params(request).subscriptionId, params(request).resourceGroupName, pageRequest(request)),
  });

  registerResourceRoutes(scope, deps, {
    type: 'microsoft.compute/galleries/images',
    path: GALLERY_IMAGE_PATH,
    collections: [`${GALLERY_PATH}/images`],
    async put(request) {
      const result = await createOrUpdateGalleryImage(domain, galleryImageRef(params(request)), jsonBody(request), conditionsOf(request));
      return { status: result.status, body: result.image, etag: result.etag };
    },
    async patch(request) {
      const result = await updateGalleryImage(domain, galleryImageRef(params(request)), jsonBody(request), conditionsOf(request));
      return { status: 200, body: result.image, etag: result.etag };
    },
    async get(request) {
      const record = await getGalleryImage(domain, galleryImageRef(params(request)));
      return { body: record.data.resource, etag: record.etag };
    },
    delete: (request) => deleteGalleryImage(domain, galleryImageRef(params(request)), conditionsOf(request)),
    list: (request) => {
      const p = params(request);
      return listGalleryImages(domain, { subscription: p.subscriptionId, resourceGroup: p.resourceGroupName, gallery: p.galleryName }, pageRequest(request));
    },
  });
}
