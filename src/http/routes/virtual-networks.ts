/** Routes of Microsoft.Network/virtualNetworks and virtualNetworks/subnets. */
import type { FastifyInstance } from 'fastify';
import type { ListScope, ResourceRef } from '../../domain/shared/resource-ref.ts';
import { SUBNET_TYPE } from '../../domain/subnets/descriptor.ts';
import {
  createOrUpdateSubnet,
  deleteSubnet,
  getSubnet,
  listSubnets,
  type SubnetRef,
} from '../../domain/subnets/operations.ts';
import { VIRTUAL_NETWORK_TYPE } from '../../domain/virtual-networks/descriptor.ts';
import {
  createOrUpdateVirtualNetwork,
  deleteVirtualNetwork,
  getVirtualNetwork,
  listVirtualNetworks,
  updateVirtualNetworkTags,
} from '../../domain/virtual-networks/operations.ts';
import { jsonBody } from '../arm/arm-route.ts';
import { conditionsOf, pageRequest } from '../arm/reply.ts';
import { registerResourceRoutes } from '../arm/resource-routes.ts';
import type { AppDeps } from '../deps.ts';

export function registerVirtualNetworkRoutes(scope: FastifyInstance, deps: AppDeps): void {
  const { domain } = deps;
  registerResourceRoutes<ResourceRef, ListScope>(scope, deps, {
    type: VIRTUAL_NETWORK_TYPE,
    put: (ref, request) => createOrUpdateVirtualNetwork(domain, ref, jsonBody(request), conditionsOf(request)),
    async patch(ref, request) {
      return {
        status: 200,
        ...(await updateVirtualNetworkTags(domain, ref, jsonBody(request), conditionsOf(request))),
      };
    },
    get: (ref) => getVirtualNetwork(domain, ref),
    delete: (ref, request) => deleteVirtualNetwork(domain, ref, conditionsOf(request)),
    list: (where, request) => listVirtualNetworks(domain, where, pageRequest(request)),
  });

  registerResourceRoutes<SubnetRef, Omit<SubnetRef, 'name'>>(scope, deps, {
    type: SUBNET_TYPE,
    put: (ref, request) => createOrUpdateSubnet(domain, ref, jsonBody(request), conditionsOf(request)),
    get: (ref) => getSubnet(domain, ref),
    delete: (ref, request) => deleteSubnet(domain, ref, conditionsOf(request)),
    list: (network) => listSubnets(domain, network),
  });
}
