/**
 * What every ARM route is declared with (its resource type, RBAC action and scope), read as a server
 * registers them: the routes of a bare Fastify app given the running server's dependencies.
 */
import Fastify from 'fastify';
import type { ArmRouteConfig } from '../../src/http/arm/route-config.ts';
import { registerArmRoutes } from '../../src/http/routes/index.ts';
import type { TestServer } from './test-server.ts';

export async function armRoutes(kiln: TestServer): Promise<ArmRouteConfig[]> {
  const app = Fastify({ exposeHeadRoutes: false });
  const routes: ArmRouteConfig[] = [];
  app.addHook('onRoute', (route) => {
    if (route.config?.arm) routes.push(route.config.arm);
  });
  const { kiln: running } = kiln.server;
  registerArmRoutes(app, {
    domain: running.domain,
    tokens: running.authority,
    callerAccess: (principalId) => running.accessCache.callerAccess(running.domain, principalId),
    authority: running.authority,
    sasSecret: running.sasSecret,
    armAudiences: running.armAudiences,
    lroWaitMs: 0,
  });
  await app.ready();
  await app.close();
  return routes;
}
