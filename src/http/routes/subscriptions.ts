import type { FastifyInstance } from 'fastify';
import { listLocations, listSubscriptions, listTenants, subscriptionView } from '../../domain/subscriptions/operations.ts';
import { armRoute, params } from '../arm/arm-route.ts';
import type { AppDeps } from '../deps.ts';

const SUBSCRIPTIONS = 'microsoft.resources/subscriptions';

export function registerSubscriptionRoutes(scope: FastifyInstance, { domain }: AppDeps): void {
  armRoute(scope, 'GET', '/subscriptions', SUBSCRIPTIONS, async () => ({ value: listSubscriptions(domain) }));
  armRoute(scope, 'GET', '/subscriptions/:subscriptionId', SUBSCRIPTIONS, async (request) => subscriptionView(domain, params(request).subscriptionId));
  armRoute(scope, 'GET', '/subscriptions/:subscriptionId/locations', SUBSCRIPTIONS, async (request) => ({
    value: listLocations(domain, params(request).subscriptionId),
  }));
  armRoute(scope, 'GET', '/tenants', 'microsoft.resources/tenants', async () => ({ value: listTenants(domain) }));
}
