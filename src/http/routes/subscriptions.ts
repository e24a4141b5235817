/** Routes of Microsoft.Resources/subscriptions and /tenants. */
import type { FastifyInstance } from 'fastify';
import { SUBSCRIPTION_TYPE, TENANT_TYPE } from '../../domain/subscriptions/descriptor.ts';
import {
  listLocations,
  listSubscriptions,
  listTenants,
  subscriptionView,
} from '../../domain/subscriptions/operations.ts';
import { armRoute, params, routePath } from '../arm/arm-route.ts';
import type { AppDeps } from '../deps.ts';

export function registerSubscriptionRoutes(scope: FastifyInstance, { domain }: AppDeps): void {
  const one = routePath(SUBSCRIPTION_TYPE.path);
  armRoute(scope, 'GET', routePath(SUBSCRIPTION_TYPE.collections[0]), SUBSCRIPTION_TYPE, async () => ({
    value: listSubscriptions(domain),
  }));
  armRoute(scope, 'GET', one, SUBSCRIPTION_TYPE, async (request) =>
    subscriptionView(domain, params(request).subscription),
  );
  armRoute(scope, 'GET', `${one}/locations`, SUBSCRIPTION_TYPE, async (request) => ({
    value: listLocations(domain, params(request).subscription),
  }));
  armRoute(scope, 'GET', routePath(TENANT_TYPE.collections[0]), TENANT_TYPE, async () => ({
    value: listTenants(domain),
  }));
}
