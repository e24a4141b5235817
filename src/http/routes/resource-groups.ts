import type { FastifyInstance } from 'fastify';
import {
  createOrUpdateResourceGroup,
  deleteResourceGroup,
  getResourceGroup,
  listResourceGroups,
  updateResourceGroup,
} from '../../domain/resource-groups/operations.ts';
import { armRoute, jsonBody, params } from '../arm/arm-route.ts';
import { conditionsOf, pageRequest, sendPage, sendResource } from '../arm/reply.ts';
import { withQuery, apiVersionOf } from '../arm/urls.ts';
import type { AppDeps } from '../deps.ts';

const GROUPS = 'microsoft.resources/resourcegroups';
const GROUP = '/subscriptions/:subscriptionId/resourcegroups/:resourceGroupName';

export function registerResourceGroupRoutes(scope: FastifyInstance, { domain }: AppDeps): void {
  armRoute(scope, 'GET', '/subscriptions/:subscriptionId/resourcegroups', GROUPS, async (request, reply) =>
    sendPage(request, reply, await listResourceGroups(domain, params(request).subscriptionId, pageRequest(request))),
  );
  armRoute(scope, 'PUT', GROUP, GROUPS, async (request, reply) => {
    const { subscriptionId, resourceGroupName } = params(request);
    const result = await createOrUpdateResourceGroup(domain, subscriptionId, resourceGroupName, jsonBody(request), conditionsOf(request));
    return sendResource(reply, result.created ? 201 : 200, result.group, result.etag);
  });
  armRoute(scope, 'GET', GROUP, GROUPS, async (request, reply) => {
    const { subscriptionId, resourceGroupName } = params(request);
    const record = await getResourceGroup(domain, subscriptionId, resourceGroupName);
    return sendResource(reply, 200, record.data.resource, record.etag);
  });
  armRoute(scope, 'HEAD', GROUP, GROUPS, async (request, reply) => {
    const { subscriptionId, resourceGroupName } = params(request);
    await getResourceGroup(domain, subscriptionId, resourceGroupName);
    return reply.status(204).send();
  });
  armRoute(scope, 'PATCH', GROUP, GROUPS, async (request, reply) => {
    const { subscriptionId, resourceGroupName } = params(request);
    const result = await updateResourceGroup(domain, subscriptionId, resourceGroupName, jsonBody(request), conditionsOf(request));
    return sendResource(reply, 200, result.group, result.etag);
  });
  armRoute(scope, 'DELETE', GROUP, GROUPS, async (request, reply) => {
    const { subscriptionId, resourceGroupName } = params(request);
    const operation = await deleteResourceGroup(domain, subscriptionId, resourceGroupName, request.principal!.oid);
    if (!operation) return reply.status(204).send();
    // ARM answers a group delete with 202 and a Location to poll, without Azure-AsyncOperation.
    reply.header('Location', withQuery(request, `/subscriptions/${subscriptionId}/operationresults/${operation.name}`, { 'api-version': apiVersionOf(request) }));
    reply.header('Retry-After', '1');
    return reply.status(202).send();
  });
}
