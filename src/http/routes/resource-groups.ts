/** Routes of Microsoft.Resources/resourceGroups (their own: ARM answers groups unlike other resources). */
import type { FastifyInstance } from 'fastify';
import { RESOURCE_GROUP_TYPE } from '../../domain/resource-groups/descriptor.ts';
import {
  createOrUpdateResourceGroup,
  deleteResourceGroup,
  getResourceGroup,
  listResourceGroups,
  updateResourceGroup,
} from '../../domain/resource-groups/operations.ts';
import type { ListScope, ResourceGroupRef } from '../../domain/shared/resource-ref.ts';
import { armRoute, jsonBody, refOf, routePath } from '../arm/arm-route.ts';
import { conditionsOf, pageRequest, sendPage, sendResource } from '../arm/reply.ts';
import { withQuery, apiVersionOf } from '../arm/urls.ts';
import type { AppDeps } from '../deps.ts';

const GROUPS = RESOURCE_GROUP_TYPE;
const GROUP = routePath(GROUPS.path);
const groupRef = refOf<ResourceGroupRef>;

export function registerResourceGroupRoutes(scope: FastifyInstance, { domain }: AppDeps): void {
  armRoute(scope, 'GET', routePath(GROUPS.collections[0]), GROUPS, async (request, reply) =>
    sendPage(
      request,
      reply,
      await listResourceGroups(domain, refOf<Pick<ListScope, 'subscription'>>(request), pageRequest(request)),
    ),
  );
  armRoute(scope, 'PUT', GROUP, GROUPS, async (request, reply) => {
    const result = await createOrUpdateResourceGroup(
      domain,
      groupRef(request),
      jsonBody(request),
      conditionsOf(request),
    );
    return sendResource(reply, result.created ? 201 : 200, result.group, result.etag);
  });
  armRoute(scope, 'GET', GROUP, GROUPS, async (request, reply) => {
    const record = await getResourceGroup(domain, groupRef(request));
    return sendResource(reply, 200, record.data.resource, record.etag);
  });
  armRoute(scope, 'PATCH', GROUP, GROUPS, async (request, reply) => {
    const result = await updateResourceGroup(domain, groupRef(request), jsonBody(request), conditionsOf(request));
    return sendResource(reply, 200, result.group, result.etag);
  });
  armRoute(scope, 'DELETE', GROUP, GROUPS, async (request, reply) => {
    const ref = groupRef(request);
    const operation = await deleteResourceGroup(domain, ref, request.principal!.oid);
    // Deleted at once (nothing in it): 200, the specification's other answer; 204 is not one of them,
    // and @azure/arm-resources 8 refuses what the specification does not list.
    if (!operation) return reply.status(200).send();
    // ARM answers a group delete with 202 and a Location to poll, without Azure-AsyncOperation.
    reply.header(
      'Location',
      withQuery(request, `/subscriptions/${ref.subscription}/operationresults/${operation.name}`, {
        'api-version': apiVersionOf(request),
      }),
    );
    reply.header('Retry-After', '1');
    return reply.status(202).send();
  });
}
