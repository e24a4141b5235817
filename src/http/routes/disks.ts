/** Routes of Microsoft.Compute/disks and /snapshots (the same operations on two families). */
import type { FastifyInstance } from 'fastify';
import { DISKS, SNAPSHOTS, type DiskFamily } from '../../domain/disks/disk.ts';
import { grantDiskAccess, revokeDiskAccess } from '../../domain/disks/access.ts';
import { createOrUpdateDisk, deleteDisk, getDisk, listDisks, updateDisk } from '../../domain/disks/operations.ts';
import { armRoute, jsonBody, params } from '../arm/arm-route.ts';
import { conditionsOf, pageRequest, sendLongRunning, sendPage, sendResource } from '../arm/reply.ts';
import { publicBaseUrl } from '../arm/urls.ts';
import type { AppDeps } from '../deps.ts';

export function registerDiskRoutes(scope: FastifyInstance, deps: AppDeps): void {
  for (const family of [DISKS, SNAPSHOTS]) registerFamily(scope, deps, family);
}

function registerFamily(scope: FastifyInstance, deps: AppDeps, family: DiskFamily): void {
  const { domain } = deps;
  const type = family.type.toLowerCase();
  const one = `/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName/providers/Microsoft.Compute/${family.collection}/:name`;
  const ref = (p: Record<string, string>) => ({ subscription: p.subscriptionId, resourceGroup: p.resourceGroupName, name: p.name });

  armRoute(scope, 'PUT', one, type, async (request, reply) => {
    const p = params(request);
    const result = await createOrUpdateDisk(domain, family, p.subscriptionId, p.resourceGroupName, p.name, jsonBody(request), conditionsOf(request));
    if (result.operation) return sendLongRunning(request, reply, deps, { status: 202, operation: result.operation, body: result.disk, etag: result.etag }, 200);
    return sendResource(reply, result.status, result.disk, result.etag);
  });
  armRoute(scope, 'PATCH', one, type, async (request, reply) => {
    const p = params(request);
    const result = await updateDisk(domain, family, p.subscriptionId, p.resourceGroupName, p.name, jsonBody(request), conditionsOf(request));
    return sendResource(reply, 200, result.disk, result.etag);
  });
  armRoute(scope, 'GET', one, type, async (request, reply) => {
    const p = params(request);
    const record = await getDisk(domain, family, p.subscriptionId, p.resourceGroupName, p.name);
    return sendResource(reply, 200, record.data.resource, record.etag);
  });
  armRoute(scope, 'DELETE', one, type, async (request, reply) => {
    const p = params(request);
    const deleted = await deleteDisk(domain, family, p.subscriptionId, p.resourceGroupName, p.name, conditionsOf(request));
    return reply.status(deleted ? 200 : 204).send();
  });
  armRoute(scope, 'POST', `${one}/beginGetAccess`, type, async (request, reply) => {
    const access = await grantDiskAccess(domain, family, ref(params(request)), jsonBody(request), publicBaseUrl(request));
    return reply.status(200).send(access);
  });
  armRoute(scope, 'POST', `${one}/endGetAccess`, type, async (request, reply) => {
    const operation = await revokeDiskAccess(domain, family, ref(params(request)));
    return operation ? sendLongRunning(request, reply, deps, { status: 202, operation }, 200) : reply.status(200).send();
  });
  armRoute(scope, 'GET', `/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName/providers/Microsoft.Compute/${family.collection}`, type, async (request, reply) => {
    const p = params(request);
    return sendPage(request, reply, await listDisks(domain, family, p.subscriptionId, p.resourceGroupName, pageRequest(request)));
  });
  armRoute(scope, 'GET', `/subscriptions/:subscriptionId/providers/Microsoft.Compute/${family.collection}`, type, async (request, reply) =>
    sendPage(request, reply, await listDisks(domain, family, params(request).subscriptionId, undefined, pageRequest(request))),
  );
}
