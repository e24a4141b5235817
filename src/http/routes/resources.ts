/**
 * Routes of Microsoft.Resources/resources (Resources - List, List By Resource Group): every tracked
 * resource as ARM's generic resource, `$filter`, `$expand`, `$top` and `nextLink`. A caller who may
 * read only part of the subscription sees that part (the list filter of http/arm/authorize.ts).
 */
import type { FastifyInstance } from 'fastify';
import { GENERIC_RESOURCE_TYPE } from '../../domain/resources/descriptor.ts';
import { listGenericResources, type ResourceListQuery } from '../../domain/resources/operations.ts';
import type { ListScope } from '../../domain/shared/resource-ref.ts';
import { armRoute, refOf, routePath } from '../arm/arm-route.ts';
import { pageRequest, sendPage } from '../arm/reply.ts';
import type { AppDeps } from '../deps.ts';

export function registerGenericResourceRoutes(scope: FastifyInstance, { domain }: AppDeps): void {
  for (const collection of GENERIC_RESOURCE_TYPE.collections) {
    armRoute(scope, 'GET', routePath(collection), GENERIC_RESOURCE_TYPE, async (request, reply) =>
      sendPage(
        request,
        reply,
        await listGenericResources(
          domain,
          refOf<ListScope>(request),
          request.query as ResourceListQuery,
          pageRequest(request),
        ),
      ),
    );
  }
}
