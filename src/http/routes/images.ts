import type { FastifyInstance } from 'fastify';
import { createOrUpdateImage, deleteImage, getImage, listImages, updateImage } from '../../domain/images/operations.ts';
import { jsonBody, params } from '../arm/arm-route.ts';
import { conditionsOf, pageRequest } from '../arm/reply.ts';
import { registerResourceRoutes } from '../arm/resource-routes.ts';
import type { AppDeps } from '../deps.ts';

const GROUP = '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName';

export function registerImageRoutes(scope: FastifyInstance, deps: AppDeps): void {
  const { domain } = deps;
  registerResourceRoutes(scope, deps, {
    type: 'microsoft.compute/images',
    path: `${GROUP}/providers/Microsoft.Compute/images/:name`,
    collections: [`${GROUP}/providers/Microsoft.Compute/images`, '/subscriptions/:subscriptionId/providers/Microsoft.Compute/images'],
    async put(request) {
      const p = params(request);
      const result = await createOrUpdateImage(domain, p.subscriptionId, p.resourceGroupName, p.name, jsonBody(request), conditionsOf(request));
      return { status: result.status, body: result.image, etag: result.etag, operation: result.operation };
    },
    async patch(request) {
      const p = params(request);
      const result = await updateImage(domain, p.subscriptionId, p.resourceGroupName, p.name, jsonBody(request), conditionsOf(request));
      return { status: 200, body: result.image, etag: result.etag };
    },
    async get(request) {
      const p = params(request);
      const record = await getImage(domain, p.subscriptionId, p.resourceGroupName, p.name);
      return { body: record.data.resource, etag: record.etag };
    },
    delete: (request) => {
      const p = params(request);
      return deleteImage(domain, p.subscriptionId, p.resourceGroupName, p.name, conditionsOf(request));
    },
    list: (request) => listImages(domain, params(request).subscriptionId, params(request).resourceGroupName, pageRequest(request)),
  });
}
