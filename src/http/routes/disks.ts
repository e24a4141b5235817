/** Routes of Microsoft.Compute/disks and /snapshots (the same operations on two families). */
import type { FastifyInstance } from 'fastify';
import { DISKS, SNAPSHOTS, type DiskFamily } from '../../domain/disks/disk.ts';
import { grantDiskAccess, revokeDiskAccess } from '../../domain/disks/access.ts';
import { createOrUpdateDisk, deleteDisk, getDisk, listDisks, updateDisk } from '../../domain/disks/operations.ts';
import { armRoute, jsonBody, params } from '../arm/arm-route.ts';
import { conditionsOf, pageRequest, sendLongRunning } from '../arm/reply.ts';
import { registerResourceRoutes } from '../arm/resource-routes.ts';
import { publicBaseUrl } from '../arm/urls.ts';
import type { AppDeps } from '../deps.ts';

export function registerDiskRoutes(scope: FastifyInstance, deps: AppDeps): void {
  for (const family of [DISKS, SNAPSHOTS]) registerFamily(scope, deps, family);
}

function registerFamily(scope: FastifyInstance, deps: AppDeps, family: DiskFamily): void {
  const { domain } = deps;
  const type = family.type.toLowerCase();
  const group = '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName';
  const one = `${group}/providers/Microsoft.Compute/${family.collection}/:name`;
  const ref = (p: Record<string, string>) => ({ subscription: p.subscriptionId, resourceGroup: p.resourceGroupName, name: p.name });

  registerResourceRoutes(scope, deps, {
    type,
    path: one,
    collections: [`${group}/providers/Microsoft.Compute/${family.collection}`, `/subscriptions/:subscriptionId/providers/Microsoft.Compute/${family.collection}`],
    async put(request) {
      const p = params(request);
      const result = await createOrUpdateDisk(domain, family, p.subscriptionId, p.resourceGroupName, p.name, jsonBody(request), conditionsOf(request));
      return { status: result.status, body: result.disk, etag: result.etag, operation: result.operation };
    },
    async patch(request) {
      const p = params(request);
      const result = await updateDisk(domain, family, p.subscriptionId, p.resourceGroupName, p.name, jsonBody(request), conditionsOf(request));
      return { status: 200, body: result.disk, etag: result.etag };
    },
    async get(request) {
      const p = params(request);
      const record = await getDisk(domain, family, p.subscriptionId, p.resourceGroupName, p.name);
      return { body: record.data.resource, etag: record.etag };
    },
    delete: (request) => {
      const p = params(request);
      return deleteDisk(domain, family, p.subscriptionId, p.resourceGroupName, p.name, conditionsOf(request));
    },
    list: (request) => listDisks(domain, family, params(request).subscriptionId, params(request).resourceGroupName, pageRequest(request)),
  });
  armRoute(scope, 'POST', `${one}/beginGetAccess`, type, async (request, reply) => {
    const access = await grantDiskAccess(domain, family, ref(params(request)), jsonBody(request), publicBaseUrl(request));
    return reply.status(200).send(access);
  });
  armRoute(scope, 'POST', `${one}/endGetAccess`, type, async (request, reply) => {
    const operation = await revokeDiskAccess(domain, family, ref(params(request)));
    return operation ? sendLongRunning(request, reply, deps, { status: 202, operation }, 200) : reply.status(200).send();
  });
}
