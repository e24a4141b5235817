/** Routes of Microsoft.Compute/galleries/images/versions. */
import type { FastifyInstance } from 'fastify';
import { createOrUpdateVersion, deleteVersion, getVersion, listVersions, updateVersion, type VersionRef } from '../../domain/gallery-image-versions/operations.ts';
import { replicationStatusView } from '../../domain/gallery-image-versions/replication-status.ts';
import { armRoute, jsonBody, params } from '../arm/arm-route.ts';
import { conditionsOf, pageRequest, sendLongRunning, sendPage, sendResource } from '../arm/reply.ts';
import type { AppDeps } from '../deps.ts';
import { GALLERY_IMAGE_PATH } from './galleries.ts';

const VERSIONS = 'microsoft.compute/galleries/images/versions';
const VERSION_PATH = `${GALLERY_IMAGE_PATH}/versions/:galleryImageVersionName`;

const versionRef = (p: Record<string, string>): VersionRef => ({
  subscription: p.subscriptionId,
  resourceGroup: p.resourceGroupName,
  gallery: p.galleryName,
  image: p.galleryImageName,
  version: p.galleryImageVersionName,
});

export function registerGalleryImageVersionRoutes(scope: FastifyInstance, deps: AppDeps): void {
  const { domain } = deps;
  armRoute(scope, 'PUT', VERSION_PATH, VERSIONS, async (request, reply) => {
    const result = await createOrUpdateVersion(domain, versionRef(params(request)), jsonBody(request), conditionsOf(request));
    if (!result.operation) return sendResource(reply, result.status, result.version, result.etag);
    return sendLongRunning(request, reply, deps, { status: result.status, operation: result.operation, body: result.version, etag: result.etag }, result.status);
  });
  armRoute(scope, 'PATCH', VERSION_PATH, VERSIONS, async (request, reply) => {
    const result = await updateVersion(domain, versionRef(params(request)), jsonBody(request), conditionsOf(request));
    if (!result.operation) return sendResource(reply, 200, result.version, result.etag);
    return sendLongRunning(request, reply, deps, { status: 200, operation: result.operation, body: result.version, etag: result.etag }, 200);
  });
  armRoute(scope, 'GET', VERSION_PATH, VERSIONS, async (request, reply) => {
    const record = await getVersion(domain, versionRef(params(request)));
    const expand = String((request.query as Record<string, unknown>).$expand ?? '').toLowerCase();
    const body = expand === 'replicationstatus'
      ? { ...record.data.resource, properties: { ...record.data.resource.properties, replicationStatus: await replicationStatusView(domain, record) } }
      : record.data.resource;
    return sendResource(reply, 200, body, record.etag);
  });
  armRoute(scope, 'DELETE', VERSION_PATH, VERSIONS, async (request, reply) =>
    reply.status((await deleteVersion(domain, versionRef(params(request)), conditionsOf(request))) ? 200 : 204).send(),
  );
  armRoute(scope, 'GET', `${GALLERY_IMAGE_PATH}/versions`, VERSIONS, async (request, reply) => {
    const p = params(request);
    return sendPage(request, reply, await listVersions(domain, { subscription: p.subscriptionId, resourceGroup: p.resourceGroupName, gallery: p.galleryName, image: p.galleryImageName }, pageRequest(request)));
  });
}
