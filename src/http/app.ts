/**
 * The HTTP app factory. Every ARM call passes, in this order: route lookup, api-version check,
 * authentication, authorization (Azure RBAC: the route's action, then the resources its body
 * names), provider registration (no writes of a namespace the subscription unregistered), the
 * domain operation (which validates its input), and the error envelope that renders
 * any failure as CloudError. Identity and blob data-plane routes sit beside the ARM scope
 * with their own rules (OAuth2 and Azure Storage conventions).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { newGuid } from '../core/ids.ts';
import { checkApiVersion } from './arm/api-version.ts';
import { authenticate } from './arm/authenticate.ts';
import { authorize, authorizeLinked, filterListed } from './arm/authorize.ts';
import { renderError } from './arm/error-envelope.ts';
import { unmatchedRequest } from './arm/unmatched-request.ts';
import { requireProviderRegistration } from './arm/provider-registration.ts';
import { hookOf } from './arm/pipeline-step.ts';
import type { AppDeps } from './deps.ts';
import { JSON_BODY_LIMITS, useLimitedJsonParser } from './json-body.ts';
import { correlationIdOf, logOptions, type LogDestination } from './log-options.ts';
import { registerArmRoutes } from './routes/index.ts';
import { registerIdentityRoutes } from './routes/identity-routes.ts';
import { registerBlobRoutes } from './routes/blob-routes.ts';
import { registerHealthRoutes } from './routes/health-routes.ts';
import { registerMetricsRoutes } from './routes/metrics-routes.ts';
import { registerPortalRoutes, type PortalFiles } from './routes/portal-routes.ts';
import { isGrantActive } from '../domain/shared/blob-grants.ts';
import { holdsStoragePermission } from '../domain/storage/blob-access.ts';
import { findServicePrincipalByObjectId } from '../domain/identity/service-principals.ts';
import { getContainerAcl, setContainerAcl } from '../domain/storage/public-access.ts';
import './arm/route-config.ts';

export interface AppOptions {
  https?: { key: string; cert: string };
  /** JSON log lines (log-options.ts) on standard output, or to the destination given. */
  logger?: boolean | LogDestination;
  /** Served at /metrics, with the app's request metrics added (routes/metrics-routes.ts). */
  metrics?: Registry;
  /** The web portal's built files, served under /portal/ (routes/portal-routes.ts); no portal routes when absent. */
  portal?: { files: PortalFiles };
}

export async function buildApp(deps: AppDeps, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    https: options.https ?? null,
    ...logOptions(options.logger),
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    // ARM's HEAD answers 204 where a resource exists (http/arm/arm-route.ts), unlike a copy of the GET.
    exposeHeadRoutes: false,
    // Bodies each parser reads whole (JSON, forms) have their own limits; blob bodies are streamed, per operation (blob-routes.ts).
    bodyLimit: JSON_BODY_LIMITS.bytes,
    genReqId: () => newGuid(),
    requestIdHeader: false,
  }) as unknown as FastifyInstance;
  useLimitedJsonParser(app);

  // With `done`, not async, as the ARM pipeline's steps (arm/pipeline-step.ts): every request runs it.
  app.addHook('onRequest', (request, reply, done) => {
    const clientRequest = request.headers['x-ms-client-request-id'];
    reply.header('x-ms-request-id', request.id);
    reply.header('x-ms-correlation-request-id', correlationIdOf(request.headers, request.id));
    if (typeof clientRequest === 'string') reply.header('x-ms-client-request-id', clientRequest);
    done();
  });
  app.setErrorHandler((error, request, reply) => renderError(error as Error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    renderError(unmatchedRequest(request.method, request.url), request, reply),
  );
  // Operations endpoints, outside the ARM scope: no api-version or token (health-routes.ts, metrics-routes.ts).
  if (options.metrics) registerMetricsRoutes(app, options.metrics);
  registerHealthRoutes(app, { store: deps.domain.store, regions: deps.domain.regions });
  if (options.portal) registerPortalRoutes(app, options.portal.files);

  await app.register(async (arm) => {
    // ARM bodies are JSON only; anything else is 415 UnsupportedMediaType.
    arm.removeContentTypeParser('text/plain');
    // The steps in order, as one hook that finishes in the same turn when none must wait (arm/pipeline-step.ts).
    arm.addHook(
      'onRequest',
      hookOf(
        checkApiVersion,
        authenticate(deps.tokens, deps.domain.settings.tenantId, deps.armAudiences),
        authorize(deps),
        requireProviderRegistration(deps.domain),
      ),
    );
    arm.addHook('preHandler', hookOf(authorizeLinked(deps)));
    arm.addHook('preSerialization', filterListed);
    registerArmRoutes(arm, deps);
  });
  await registerIdentityRoutes(app, { authority: deps.authority });
  registerBlobRoutes(app, {
    regions: deps.domain.regions,
    sasSecret: deps.sasSecret,
    grants: { isActive: (region, key, identifier) => isGrantActive(deps.domain, region, key, identifier) },
    tokens: deps.tokens,
    clock: deps.domain.clock,
    access: {
      holds: (principalId, permission, region, container) =>
        holdsStoragePermission(deps.domain, principalId, permission, region, container),
      principalExists: async (objectId) =>
        (await findServicePrincipalByObjectId(deps.domain.store, objectId)) !== undefined,
      acl: (region, container) => getContainerAcl(deps.domain, region, container),
      setAcl: (region, container, publicAccess) => setContainerAcl(deps.domain, region, container, publicAccess),
    },
  });
  return app;
}
