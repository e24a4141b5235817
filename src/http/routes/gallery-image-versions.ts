/** Routes of Microsoft.Compute/galleries/images/versions. */
import type { FastifyInstance } from 'fastify';
import { createOrUpdateVersion, deleteVersion, getVersion, listVersions, updateVersion, type VersionRef } from '../../domain/gallery-image-versions/operations.ts';
import { replicationStatusView } from '../../domain/gallery-image-versions/replication-status.ts';
import { jsonBody, params } from '../arm/arm-route.ts';
import { conditionsOf, pageRequest } from '../arm/reply.ts';
import { registerResourceRoutes } from '../arm/resource-routes.ts';
import type { AppDeps } from '../deps.ts';
import { GALLERY_IMAGE_PATH } from './galleries.ts';

const versionRef = (p: Record<string, string>): VersionRef => ({
  subscription: p.subscriptionId,
  resourceGroup: p.resourceGroupName,
  gallery: p.galleryName,
  image: p.galleryImageName,
  version: p.galleryImageVersionName,
});

export function registerGalleryImageVersionRoutes(scope: FastifyInstance, deps: AppDeps): void {
  const { domain } = deps;
  registerResourceRoutes(scope, deps, {
    type: 'microsoft.compute/galleries/images/versions',
    path: `${GALLERY_IMAGE_PATH}/versions/:galleryImageVersionName`,
    collections: [`${GALLERY_IMAGE_PATH}/versions`],
    async put(request) {
      const result = await createOrUpdateVersion(domain, versionRef(params(request)), jsonBody(request), conditionsOf(request));
      return { status: result.status, body: result.version, etag: result.etag, operation: result.operation };
    },
    async patch(request) {
      const result = await updateVersion(domain, versionRef(params(request)), jsonBody(request), conditionsOf(request));
      return { status: 200, body: result.version, etag: result.etag, operation: result.operation };
    },
    async get(request) {
      const record = await getVersion(domain, versionRef(params(request)));
      const expand = String((request.query as Record<string, unknown>).$expand ?? '').toLowerCase();
      const body = expand === 'replicationstatus'
        ? { ...record.data.resource, properties: { ...record.data.resource.properties, replicationStatus: await replicationStatusView(domain, record) } }
        : record.data.resource;
      return { body, etag: record.etag };
    },
    delete: (request) => deleteVersion(domain, versionRef(params(request)), conditionsOf(request)),
    list: (request) => {
      const p = params(request);
      return listVersions(domain, { subscription: p.subscriptionId, resourceGroup: p.resourceGroupName, gallery: p.galleryName, image: p.galleryImageName }, pageRequest(request));
    },
  });
}
