/**
 * Get and Set Container ACL (`/blob/<region>/<container>?restype=container&comp=acl`): a container's
 * public access level, which is what lets anonymous callers read its blobs. Reading it takes
 * `Microsoft.Storage/storageAccounts/blobServices/containers/read`, setting it `.../containers/write`
 * (management actions: Owner, Contributor, Storage Blob Data Contributor hold them). Stored access
 * policies (signed identifiers) are not supported: Kiln's SAS name their grant themselves.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CONTAINER_NAME } from '../../core/blob-url.ts';
import { CONTAINER_ACTIONS } from '../../domain/storage/blob-scope.ts';
import type { ContainerAcl, PublicAccessLevel } from '../../domain/storage/public-access.ts';
import { identifyCaller, requirePermission, type CallerDeps } from './blob-caller.ts';
import { requestText } from './request-text.ts';
import { StorageError, header, invalidHeader, invalidQueryValue, invalidResourceName } from './storage-error.ts';

const EMPTY_ACL = '<?xml version="1.0" encoding="utf-8"?><SignedIdentifiers />';
/** A Set Container ACL body is a short list of policies; more is not an ACL. */
const BODY_LIMIT = 64 * 1024;

function aclHeaders(reply: FastifyReply, acl: ContainerAcl) {
  if (acl.publicAccess !== undefined) reply.header('x-ms-blob-public-access', acl.publicAccess);
  if (acl.lastModified !== undefined) reply.header('Last-Modified', new Date(acl.lastModified).toUTCString());
  return reply.header('ETag', `"${acl.etag ?? 'private'}"`);
}

function publicAccessOf(request: FastifyRequest): PublicAccessLevel | undefined {
  const value = header(request, 'x-ms-blob-public-access');
  if (value === undefined || value === '') return undefined;
  if (value !== 'blob' && value !== 'container') throw invalidHeader('x-ms-blob-public-access', value);
  return value;
}

/** `container` comes from the request's one parse (blob-request.ts). */
export async function containerRequest(
  deps: CallerDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  query: URLSearchParams,
  region: string,
  container: string,
) {
  const comp = query.get('comp') ?? '';
  if (comp !== 'acl') throw invalidQueryValue('comp', comp);
  if (!CONTAINER_NAME.test(container)) throw invalidResourceName();
  const caller = await identifyCaller(deps, request, query);
  if (request.method === 'PUT') {
    await requirePermission(deps, caller, { action: CONTAINER_ACTIONS.write }, region, container);
    const publicAccess = publicAccessOf(request);
    if (/<SignedIdentifier>/.test(await requestText(request, BODY_LIMIT, 'SetContainerAcl'))) {
      throw new StorageError(
        400,
        'InvalidInput',
        'Stored access policies (signed identifiers) are not supported; send an empty <SignedIdentifiers /> list.',
      );
    }
    return aclHeaders(reply, await deps.access.setAcl(region, container, publicAccess))
      .code(200)
      .send();
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') throw invalidQueryValue('comp', comp);
  await requirePermission(deps, caller, { action: CONTAINER_ACTIONS.read }, region, container);
  aclHeaders(reply, await deps.access.acl(region, container)).code(200);
  return request.method === 'HEAD' ? reply.send() : reply.type('application/xml').send(EMPTY_ACL);
}
