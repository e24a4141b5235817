/**
 * Routes of Microsoft.Resources/providers (at a subscription, with its registration state, and at the
 * tenant) and of every namespace's operations list, made from the actions of the routes served.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { namespaceOf } from '../../domain/operation-lists/descriptor.ts';
import { operationEntries } from '../../domain/operation-lists/operation-list.ts';
import { PROVIDER_TYPE, SUBSCRIPTION_PROVIDER_TYPE } from '../../domain/providers/descriptor.ts';
import {
  changeRegistration,
  getProvider,
  getTenantProvider,
  listProviders,
  listTenantProviders,
} from '../../domain/providers/operations.ts';
import type { RegistrationState } from '../../domain/providers/registration.ts';
import { OPERATION_LIST_TYPES } from '../../domain/resource-types.ts';
import { armRoute, params, routePath } from '../arm/arm-route.ts';
import { pageRequest } from '../arm/reply.ts';
import type { ServedActions } from '../arm/route-table.ts';
import type { AppDeps } from '../deps.ts';

const VERBS: [string, RegistrationState][] = [
  ['register', 'Registered'],
  ['unregister', 'Unregistered'],
];

export function registerProviderRoutes(scope: FastifyInstance, { domain }: AppDeps, served: ServedActions): void {
  const top = (request: FastifyRequest) => pageRequest(request).top;
  const one = routePath(SUBSCRIPTION_PROVIDER_TYPE.path);
  armRoute(
    scope,
    'GET',
    routePath(SUBSCRIPTION_PROVIDER_TYPE.collections[0]),
    SUBSCRIPTION_PROVIDER_TYPE,
    async (request) => ({
      value: await listProviders(domain, params(request).subscription, top(request)),
    }),
  );
  armRoute(scope, 'GET', one, SUBSCRIPTION_PROVIDER_TYPE, async (request) =>
    getProvider(domain, params(request).subscription, params(request).namespace),
  );
  armRoute(scope, 'GET', `${one}/resourceTypes`, SUBSCRIPTION_PROVIDER_TYPE, async (request) => ({
    value: (await getProvider(domain, params(request).subscription, params(request).namespace)).resourceTypes,
  }));
  for (const [verb, state] of VERBS) {
    armRoute(scope, 'POST', `${one}/${verb}`, SUBSCRIPTION_PROVIDER_TYPE, async (request) =>
      changeRegistration(domain, params(request).subscription, params(request).namespace, state),
    );
  }
  armRoute(scope, 'GET', routePath(PROVIDER_TYPE.collections[0]), PROVIDER_TYPE, async (request) => ({
    value: listTenantProviders(domain, top(request)),
  }));
  armRoute(scope, 'GET', routePath(PROVIDER_TYPE.path), PROVIDER_TYPE, async (request) =>
    getTenantProvider(domain, params(request).namespace),
  );
  for (const type of OPERATION_LIST_TYPES) {
    const namespace = namespaceOf(type.type);
    armRoute(scope, 'GET', routePath(type.collections[0]), type, async () => ({
      value: operationEntries(namespace, served.of(namespace)),
    }));
  }
}
