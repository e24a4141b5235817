/** Routes of Microsoft.ManagedIdentity/userAssignedIdentities. */
import type { FastifyInstance } from 'fastify';
import { USER_ASSIGNED_IDENTITY_TYPE } from '../../domain/managed-identities/descriptor.ts';
import {
  createOrUpdateIdentity,
  deleteIdentity,
  getIdentity,
  listIdentities,
  updateIdentity,
} from '../../domain/managed-identities/operations.ts';
import { identityView } from '../../domain/managed-identities/identity-view.ts';
import type { UserAssignedIdentity } from '../../domain/managed-identities/identity.ts';
import type { ListScope, ResourceRef } from '../../domain/shared/resource-ref.ts';
import { jsonBody } from '../arm/arm-route.ts';
import { conditionsOf, pageRequest } from '../arm/reply.ts';
import { registerResourceRoutes } from '../arm/resource-routes.ts';
import type { AppDeps } from '../deps.ts';
import { apiVersionOf } from '../arm/urls.ts';

export function registerManagedIdentityRoutes(scope: FastifyInstance, deps: AppDeps): void {
  const { domain } = deps;
  registerResourceRoutes<ResourceRef, ListScope>(scope, deps, {
    type: USER_ASSIGNED_IDENTITY_TYPE,
    // isolationScope by api-version: None by default from 2024-11-30 on, absent before.
    view: (identity, request) => identityView(identity as UserAssignedIdentity, apiVersionOf(request)),
    async put(ref, request) {
      const result = await createOrUpdateIdentity(
        domain,
        ref,
        jsonBody(request),
        conditionsOf(request),
        apiVersionOf(request),
      );
      return { status: result.status, body: result.identity, etag: result.etag };
    },
    async patch(ref, request) {
      const result = await updateIdentity(domain, ref, jsonBody(request), conditionsOf(request), apiVersionOf(request));
      return { status: 200, body: result.identity, etag: result.etag };
    },
    read: (ref) => getIdentity(domain, ref),
    delete: (ref, request) => deleteIdentity(domain, ref, conditionsOf(request)),
    list: (where, request) => listIdentities(domain, where, pageRequest(request)),
  });
}
