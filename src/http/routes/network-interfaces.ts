/** Routes of Microsoft.Network/networkInterfaces. */
import type { FastifyInstance } from 'fastify';
import { NETWORK_INTERFACE_TYPE } from '../../domain/network-interfaces/descriptor.ts';
import {
  createOrUpdateNetworkInterface,
  deleteNetworkInterface,
  getNetworkInterface,
  listNetworkInterfaces,
  updateNetworkInterfaceTags,
} from '../../domain/network-interfaces/operations.ts';
import type { ListScope, ResourceRef } from '../../domain/shared/resource-ref.ts';
import { jsonBody } from '../arm/arm-route.ts';
import { conditionsOf, pageRequest } from '../arm/reply.ts';
import { registerResourceRoutes } from '../arm/resource-routes.ts';
import type { AppDeps } from '../deps.ts';

export function registerNetworkInterfaceRoutes(scope: FastifyInstance, deps: AppDeps): void {
  const { domain } = deps;
  registerResourceRoutes<ResourceRef, ListScope>(scope, deps, {
    type: NETWORK_INTERFACE_TYPE,
    put: (ref, request) => createOrUpdateNetworkInterface(domain, ref, jsonBody(request), conditionsOf(request)),
    async patch(ref, request) {
      const updated = await updateNetworkInterfaceTags(domain, ref, jsonBody(request), conditionsOf(request));
      return { status: 200, ...updated };
    },
    get: (ref) => getNetworkInterface(domain, ref),
    delete: (ref, request) => deleteNetworkInterface(domain, ref, conditionsOf(request)),
    list: (where, request) => listNetworkInterfaces(domain, where, pageRequest(request)),
  });
}
