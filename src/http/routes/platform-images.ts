/** Routes of the platform-image listings (what `az vm image list/show` and `virtualMachineImages` call): GETs only. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PLATFORM_IMAGE_LISTS, PLATFORM_IMAGE_TYPE } from '../../domain/platform-images/descriptor.ts';
import {
  getVersion,
  listOffers,
  listPublishers,
  listSkus,
  listVersions,
  type VersionListQuery,
} from '../../domain/platform-images/operations.ts';
import { armRoute, refOf, routePath } from '../arm/arm-route.ts';
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
}
