/** Routes of Microsoft.ManagedIdentity/userAssignedIdentities. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createOrUpdateIdentity, deleteIdentity, getIdentity, listIdentities, updateIdentity, type IdentityRef } from '../../domain/managed-identities/operations.ts';
import { jsonBody, params } from '../arm/arm-route.ts';
import { conditionsOf, pageRequest } from '../arm/reply.ts';
import { registerResourceRoutes } from '../arm/resource-routes.ts';
import type { AppDeps } from '../deps.ts';

const GROUP = '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName';
const COLLECTION = 'providers/Microsoft.ManagedIdentity/userAssignedIdentities';

const identityRef = (request: FastifyRequest): IdentityRef => {
  const p = params(request);
  return { subscription: p.subscriptionId, resourceGroup: p.resourceGroupName, name: p.resourceName };
};

export function registerManagedIdentityRoutes(scope: FastifyInstance, deps: AppDeps): void {
  const { domain } = deps;
  registerResourceRoutes(scope, deps, {
    type: 'microsoft.managedidentity/userassignedidentities',
    path: `${GROUP}/${COLLECTION}/:resourceName`,
    collections: [`${GROUP}/${COLLECTION}`, `/subscriptions/:subscriptionId/${COLLECTION}`],
    async put(request) {
      const result = await createOrUpdateIdentity(domain, identityRef(request), jsonBody(request), conditionsOf(request));
      return { status: result.status, body: result.identity, etag: result.etag };
    },
    async patch(request) {
      const result = await updateIdentity(domain, identityRef(request), jsonBody(request), conditionsOf(request));
      return { status: 200, body: result.identity, etag: result.etag };
    },
    async get(request) {
      const record = await getIdentity(domain, identityRef(request));
      return { body: record.data.resource, etag: record.etag };
    },
    delete: (request) => deleteIdentity(domain, identityRef(request), conditionsOf(request)),
    list: (request) => listIdentities(domain, params(request).subscriptionId, params(request).resourceGroupName, pageRequest(request)),
  });
}
