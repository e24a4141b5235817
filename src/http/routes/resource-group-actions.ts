/**
 * A resource group's POST actions on its resources: Export Template (answered at once with the
 * template, 200, which the SDKs' and azure-cli's pollers take as the finished operation) and Move
 * Resources / Validate Move Resources, which Kiln refuses (domain/resource-groups/move-resources.ts).
 */
import type { FastifyInstance } from 'fastify';
import { RESOURCE_GROUP_TYPE } from '../../domain/resource-groups/descriptor.ts';
import { exportTemplate } from '../../domain/resource-groups/export-template.ts';
import { refuseMoveResources } from '../../domain/resource-groups/move-resources.ts';
import type { ResourceGroupRef } from '../../domain/shared/resource-ref.ts';
import { armRoute, jsonBody, refOf, routePath } from '../arm/arm-route.ts';
import type { AppDeps } from '../deps.ts';

const GROUP = routePath(RESOURCE_GROUP_TYPE.path);

export function registerResourceGroupActionRoutes(scope: FastifyInstance, { domain }: AppDeps): void {
  const ref = refOf<ResourceGroupRef>;
  armRoute(scope, 'POST', `${GROUP}/exportTemplate`, RESOURCE_GROUP_TYPE, async (request) =>
    exportTemplate(domain, ref(request), jsonBody(request)),
  );
  for (const action of ['moveResources', 'validateMoveResources'])
    armRoute(scope, 'POST', `${GROUP}/${action}`, RESOURCE_GROUP_TYPE, async (request) =>
      refuseMoveResources(domain, ref(request), jsonBody(request)),
    );
}
