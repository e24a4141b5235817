/** Routes of Microsoft.Compute/galleries/images/versions, and of the gallery's soft-deleted versions. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GALLERY_IMAGE_VERSION_TYPE } from '../../domain/gallery-image-versions/descriptor.ts';
import {
  createOrUpdateVersion,
  deleteVersion,
  getVersion,
  listVersions,
  updateVersion,
  type VersionRef,
} from '../../domain/gallery-image-versions/operations.ts';
import { replicationStatusView } from '../../domain/gallery-image-versions/replication-status.ts';
import type { GalleryImageVersion } from '../../domain/gallery-image-versions/gallery-image-version.ts';
import { versionView } from '../../domain/gallery-image-versions/version-view.ts';
import { bodyInStoredForm, errorInFormOf, versionInFormOf } from '../../domain/gallery-image-versions/older-form.ts';
import { SOFT_DELETED_RESOURCE_TYPE, SOFT_DELETED_VERSIONS } from '../../domain/soft-deleted-resources/descriptor.ts';
import { listSoftDeletedVersions } from '../../domain/soft-deleted-resources/operations.ts';
import { armRoute, jsonBody, refOf, routePath } from '../arm/arm-route.ts';
import { conditionsOf, pageRequest } from '../arm/reply.ts';
import { registerResourceRoutes } from '../arm/resource-routes.ts';
import type { AppDeps } from '../deps.ts';
import { apiVersionOf } from '../arm/urls.ts';

/**
 * Runs a version write with the request's body in the stored form, whatever api-version's form it
 * came in, and names the fields of its errors in that form.
 */
function inRequestForm<T>(
  request: FastifyRequest,
  write: 'put' | 'patch',
  run: (body: Record<string, unknown>) => Promise<T>,
): Promise<T> {
  const apiVersion = apiVersionOf(request);
  return run(bodyInStoredForm(jsonBody(request), apiVersion, write)).catch((error: unknown) =>
    Promise.reject(errorInFormOf(error, apiVersion)),
  );
}

export function registerGalleryImageVersionRoutes(scope: FastifyInstance, deps: AppDeps): void {
  const { domain } = deps;
  registerResourceRoutes<VersionRef, Omit<VersionRef, 'version'>>(scope, deps, {
    type: GALLERY_IMAGE_VERSION_TYPE,
    // Regions by display name; before 2019-07-01 a managed image source in publishingProfile.source.
    view: (version, request) =>
      versionInFormOf(versionView(domain, version as GalleryImageVersion), apiVersionOf(request)),
    async put(ref, request) {
      const result = await inRequestForm(request, 'put', (body) =>
        createOrUpdateVersion(domain, ref, body, conditionsOf(request)),
      );
      return { status: result.status, body: result.version, etag: result.etag, operation: result.operation };
    },
    async patch(ref, request) {
      const result = await inRequestForm(request, 'patch', (body) =>
        updateVersion(domain, ref, body, conditionsOf(request)),
      );
      return { status: 200, body: result.version, etag: result.etag, operation: result.operation };
    },
    async get(ref, request) {
      const record = await getVersion(domain, ref);
      const expand = String((request.query as Record<string, unknown>).$expand ?? '').toLowerCase();
      const body =
        expand === 'replicationstatus'
          ? {
              ...record.data.resource,
              properties: {
                ...record.data.resource.properties,
                replicationStatus: await replicationStatusView(domain, record),
              },
            }
          : record.data.resource;
      return { body, etag: record.etag };
    },
    delete: (ref, request) => deleteVersion(domain, ref, conditionsOf(request)),
    list: (definition, request) => listVersions(domain, definition, pageRequest(request)),
  });
  // SoftDeletedResource_ListByArtifactName: what a delete kept, restorable by a version PUT or PATCH with `restore`.
  armRoute(scope, 'GET', routePath(SOFT_DELETED_VERSIONS), SOFT_DELETED_RESOURCE_TYPE, (request) =>
    listSoftDeletedVersions(domain, refOf(request)),
  );
}
