import type { FastifyInstance } from 'fastify';
import { createOrUpdateImage, deleteImage, getImage, listImages, updateImage } from '../../domain/images/operations.ts';
import { armRoute, jsonBody, params } from '../arm/arm-route.ts';
import { conditionsOf, pageRequest, sendLongRunning, sendPage, sendResource } from '../arm/reply.ts';
import type { AppDeps } from '../deps.ts';

const IMAGES = 'microsoft.compute/images';
const ONE = '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName/providers/Microsoft.Compute/images/:name';

export function registerImageRoutes(scope: FastifyInstance, deps: AppDeps): void {
  const { domain } = deps;
  armRoute(scope, 'PUT', ONE, IMAGES, async (request, reply) => {
    const p = params(request);
    const result = await createOrUpdateImage(domain, p.subscriptionId, p.resourceGroupName, p.name, jsonBody(request), conditionsOf(request));
    return sendLongRunning(request, reply, deps, { status: result.status, operation: result.operation, body: result.image, etag: result.etag }, result.status);
  });
  armRoute(scope, 'PATCH', ONE, IMAGES, async (request, reply) => {
    const p = params(request);
    const result = await updateImage(domain, p.subscriptionId, p.resourceGroupName, p.name, jsonBody(request), conditionsOf(request));
    return sendResource(reply, 200, result.image, result.etag);
  });
  armRoute(scope, 'GET', ONE, IMAGES, async (request, reply) => {
    const p = params(request);
    const record = await getImage(domain, p.subscriptionId, p.resourceGroupName, p.name);
    return sendResource(reply, 200, record.data.resource, record.etag);
  });
  armRoute(scope, 'DELETE', ONE, IMAGES, async (request, reply) => {
    const p = params(request);
    return reply.status((await deleteImage(domain, p.subscriptionId, p.resourceGroupName, p.name, conditionsOf(request))) ? 200 : 204).send();
  });
  armRoute(scope, 'GET', '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName/providers/Microsoft.Compute/images', IMAGES, async (request, reply) => {
    const p = params(request);
    return sendPage(request, reply, await listImages(domain, p.subscriptionId, p.resourceGroupName, pageRequest(request)));
  });
  armRoute(scope, 'GET', '/subscriptions/:subscriptionId/providers/Microsoft.Compute/images', IMAGES, async (request, reply) =>
    sendPage(request, reply, await listImages(domain, params(request).subscriptionId, undefined, pageRequest(request))),
  );
}
