/**
 * Routes of the platform-image catalog: the listings every caller reads (what `az vm image list/show`
 * and `virtualMachineImages` call: GETs only), and its operators' admin API (Microsoft.Compute.Admin
 * PlatformImages: put, get, list, delete), whose PUT answers the entry Creating for the client to poll
 * by GET, as the specification's long-running PUT without polling headers is followed.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  deleteAdminImage,
  getAdminImage,
  listAdminImages,
  putAdminImage,
} from '../../domain/platform-images/admin-operations.ts';
import {
  PLATFORM_IMAGE_ADMIN_TYPE,
  PLATFORM_IMAGE_LISTS,
  PLATFORM_IMAGE_TYPE,
} from '../../domain/platform-images/descriptor.ts';
import {
  getVersion,
  listOffers,
  listPublishers,
  listSkus,
  listVersions,
  type VersionListQuery,
} from '../../domain/platform-images/operations.ts';
import { armRoute, jsonBody, refOf, routePath } from '../arm/arm-route.ts';
import type { AppDeps } from '../deps.ts';

export function registerPlatformImageRoutes(scope: FastifyInstance, { domain }: AppDeps): void {
  const get = (template: string, answer: (request: FastifyRequest) => Promise<unknown>) =>
    armRoute(scope, 'GET', routePath(template), PLATFORM_IMAGE_TYPE, answer);
  const { publishers, offers, skus, versions } = PLATFORM_IMAGE_LISTS;
  get(publishers, (request) => listPublishers(domain, refOf(request)));
  get(offers, (request) => listOffers(domain, refOf(request)));
  get(skus, (request) => listSkus(domain, refOf(request)));
  get(versions, (request) => listVersions(domain, refOf(request), request.query as VersionListQuery));
  get(PLATFORM_IMAGE_TYPE.path!, (request) => getVersion(domain, refOf(request)));

  const admin = PLATFORM_IMAGE_ADMIN_TYPE;
  const one = routePath(admin.path!);
  armRoute(scope, 'PUT', one, admin, async (request, reply) => {
    const { status, body } = await putAdminImage(domain, refOf(request), jsonBody(request));
    return reply.status(status).send(body);
  });
  armRoute(scope, 'GET', one, admin, (request) => getAdminImage(domain, refOf(request)));
  armRoute(scope, 'DELETE', one, admin, async (request, reply) =>
    reply.status((await deleteAdminImage(domain, refOf(request))) ? 200 : 204).send(),
  );
  armRoute(scope, 'GET', routePath(admin.collections[0]), admin, (request) => listAdminImages(domain, refOf(request)));
}
