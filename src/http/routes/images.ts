/** Routes of Microsoft.Compute/images. */
import type { FastifyInstance } from 'fastify';
import { IMAGE_TYPE } from '../../domain/images/descriptor.ts';
import { createOrUpdateImage, deleteImage, getImage, listImages, updateImage } from '../../domain/images/operations.ts';
import type { ListScope, ResourceRef } from '../../domain/shared/resource-ref.ts';
import { jsonBody } from '../arm/arm-route.ts';
import { conditionsOf, pageRequest } from '../arm/reply.ts';
import { registerResourceRoutes } from '../arm/resource-routes.ts';
import type { AppDeps } from '../deps.ts';

export function registerImageRoutes(scope: FastifyInstance, deps: AppDeps): void {
  const { domain } = deps;
  registerResourceRoutes<ResourceRef, ListScope>(scope, deps, {
    type: IMAGE_TYPE,
    async put(ref, request) {
      const result = await createOrUpdateImage(domain, ref, jsonBody(request), conditionsOf(request));
      return { status: result.status, body: result.image, etag: result.etag, operation: result.operation };
    },
    async patch(ref, request) {
      const result = await updateImage(domain, ref, jsonBody(request), conditionsOf(request));
      return { status: 200, body: result.image, etag: result.etag };
    },
    read: (ref) => getImage(domain, ref),
    delete: (ref, request) => deleteImage(domain, ref, conditionsOf(request)),
    list: (where, request) => listImages(domain, where, pageRequest(request)),
  });
}
