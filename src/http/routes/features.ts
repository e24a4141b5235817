/** Routes of Microsoft.Features: features (`az feature`) and subscription feature registrations (`az feature registration`). */
import type { FastifyInstance } from 'fastify';
import {
  FEATURE_TYPE,
  PROVIDER_FEATURE_TYPE,
  SUBSCRIPTION_FEATURE_REGISTRATION_TYPE,
} from '../../domain/features/descriptor.ts';
import type { FeatureRef } from '../../domain/features/feature.ts';
import { getFeature, listFeatures, setFeatureState } from '../../domain/features/operations.ts';
import {
  deleteRegistration,
  getRegistration,
  listRegistrations,
  putRegistration,
} from '../../domain/features/registrations.ts';
import { armRoute, jsonBody, params, refOf, routePath } from '../arm/arm-route.ts';
import type { AppDeps } from '../deps.ts';

export function registerFeatureRoutes(scope: FastifyInstance, { domain }: AppDeps): void {
  const feature = routePath(PROVIDER_FEATURE_TYPE.path);
  armRoute(scope, 'GET', routePath(FEATURE_TYPE.collections[0]), FEATURE_TYPE, async (request) => ({
    value: await listFeatures(domain, params(request).subscription),
  }));
  armRoute(scope, 'GET', routePath(PROVIDER_FEATURE_TYPE.collections[0]), PROVIDER_FEATURE_TYPE, async (request) => ({
    value: await listFeatures(domain, params(request).subscription, params(request).namespace),
  }));
  armRoute(scope, 'GET', feature, PROVIDER_FEATURE_TYPE, async (request) =>
    getFeature(domain, refOf<FeatureRef>(request)),
  );
  armRoute(scope, 'POST', `${feature}/register`, PROVIDER_FEATURE_TYPE, async (request) =>
    setFeatureState(domain, refOf<FeatureRef>(request), 'Registered'),
  );
  armRoute(scope, 'POST', `${feature}/unregister`, PROVIDER_FEATURE_TYPE, async (request) =>
    setFeatureState(domain, refOf<FeatureRef>(request), 'Unregistered'),
  );

  const registrations = SUBSCRIPTION_FEATURE_REGISTRATION_TYPE;
  const registration = routePath(registrations.path);
  armRoute(scope, 'GET', registration, registrations, async (request) =>
    getRegistration(domain, refOf<FeatureRef>(request)),
  );
  armRoute(scope, 'PUT', registration, registrations, async (request) =>
    putRegistration(domain, refOf<FeatureRef>(request), jsonBody(request)),
  );
  armRoute(scope, 'DELETE', registration, registrations, async (request, reply) =>
    reply.status((await deleteRegistration(domain, refOf<FeatureRef>(request))) ? 200 : 204).send(),
  );
  const [ofNamespace, all] = registrations.collections;
  armRoute(scope, 'GET', routePath(ofNamespace), registrations, async (request) => ({
    value: await listRegistrations(domain, params(request).subscription, params(request).namespace),
  }));
  armRoute(scope, 'GET', routePath(all), registrations, async (request) => ({
    value: await listRegistrations(domain, params(request).subscription),
  }));
}
