/** Routes of Microsoft.Network/publicIPAddresses. */
import type { FastifyInstance } from 'fastify';
import { PUBLIC_IP_ADDRESS_TYPE } from '../../domain/public-ip-addresses/descriptor.ts';
import {
  createOrUpdatePublicIPAddress,
  deletePublicIPAddress,
  getPublicIPAddress,
  listPublicIPAddresses,
  updatePublicIPAddressTags,
} from '../../domain/public-ip-addresses/operations.ts';
import type { ListScope, ResourceRef } from '../../domain/shared/resource-ref.ts';
import { jsonBody } from '../arm/arm-route.ts';
import { conditionsOf, pageRequest } from '../arm/reply.ts';
import { registerResourceRoutes } from '../arm/resource-routes.ts';
import type { AppDeps } from '../deps.ts';

export function registerPublicIPAddressRoutes(scope: FastifyInstance, deps: AppDeps): void {
  const { domain } = deps;
  registerResourceRoutes<ResourceRef, ListScope>(scope, deps, {
    type: PUBLIC_IP_ADDRESS_TYPE,
    put: (ref, request) => createOrUpdatePublicIPAddress(domain, ref, jsonBody(request), conditionsOf(request)),
    async patch(ref, request) {
      return {
        status: 200,
        ...(await updatePublicIPAddressTags(domain, ref, jsonBody(request), conditionsOf(request))),
      };
    },
    get: (ref) => getPublicIPAddress(domain, ref),
    delete: (ref, request) => deletePublicIPAddress(domain, ref, conditionsOf(request)),
    list: (where, request) => listPublicIPAddresses(domain, where, pageRequest(request)),
  });
}
