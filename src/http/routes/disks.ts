/** Routes of Microsoft.Compute/disks and /snapshots (the same operations on two families). */
import type { FastifyInstance } from 'fastify';
import { DISK_TYPE, SNAPSHOT_TYPE } from '../../domain/disks/descriptor.ts';
import { DISKS, SNAPSHOTS, type DiskFamily } from '../../domain/disks/disk.ts';
import { grantDiskAccess, revokeDiskAccess } from '../../domain/disks/access.ts';
import { createOrUpdateDisk, deleteDisk, getDisk, listDisks } from '../../domain/disks/operations.ts';
import { updateDisk } from '../../domain/disks/update-disk.ts';
import type { ListScope, ResourceRef } from '../../domain/shared/resource-ref.ts';
import type { ResourceTypeWithPaths } from '../../domain/shared/resource-type.ts';
import { armRoute, jsonBody, refOf, routePath } from '../arm/arm-route.ts';
import { conditionsOf, pageRequest, sendLongRunning } from '../arm/reply.ts';
import { registerResourceRoutes } from '../arm/resource-routes.ts';
import { publicBaseUrl } from '../arm/urls.ts';
import type { AppDeps } from '../deps.ts';

export function registerDiskRoutes(scope: FastifyInstance, deps: AppDeps): void {
  registerFamily(scope, deps, DISKS, DISK_TYPE);
  registerFamily(scope, deps, SNAPSHOTS, SNAPSHOT_TYPE);
}

function registerFamily(scope: FastifyInstance, deps: AppDeps, family: DiskFamily, type: ResourceTypeWithPaths): void {
  const { domain } = deps;
  registerResourceRoutes<ResourceRef, ListScope>(scope, deps, {
    type,
    async put(ref, request) {
      const result = await createOrUpdateDisk(domain, family, ref, jsonBody(request), conditionsOf(request));
      return { status: result.status, body: result.disk, etag: result.etag, operation: result.operation };
    },
    async patch(ref, request) {
      const result = await updateDisk(domain, family, ref, jsonBody(request), conditionsOf(request));
      return { status: result.status, body: result.disk, etag: result.etag, operation: result.operation };
    },
    read: (ref) => getDisk(domain, family, ref),
    delete: (ref, request) => deleteDisk(domain, family, ref, conditionsOf(request)),
    list: (where, request) => listDisks(domain, family, where, pageRequest(request)),
  });
  const one = routePath(type.path);
  armRoute(scope, 'POST', `${one}/beginGetAccess`, type, async (request, reply) => {
    const access = await grantDiskAccess(
      domain,
      family,
      refOf<ResourceRef>(request),
      jsonBody(request),
      publicBaseUrl(request),
    );
    return reply.status(200).send(access);
  });
  armRoute(scope, 'POST', `${one}/endGetAccess`, type, async (request, reply) => {
    const operation = await revokeDiskAccess(domain, family, refOf<ResourceRef>(request));
    return operation
      ? sendLongRunning(request, reply, deps, { status: 202, operation }, 200)
      : reply.status(200).send();
  });
}
