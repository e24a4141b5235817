/**
 * Who calls the blob data plane, and whether they may. As in Azure Storage:
 *  - a SAS (`sig`) is its own authorization: Kiln signs it for one blob, `r` for reads, `rw` for
 *    page writes to a disk upload in progress;
 *  - a bearer token for https://storage.azure.com is checked against the caller's role assignments
 *    at the container's scope (domain/storage/blob-scope.ts): data actions for blobs, management
 *    actions for the container's access level. Owner holds no data actions, as in Azure;
 *  - no credentials at all may only read, and only from a container whose public access level is
 *    set; a private container answers 404 ResourceNotFound, as Azure answers an anonymous read there.
 */
import type { FastifyRequest } from 'fastify';
import { verifyBlobAccess } from '../../core/blob-sas.ts';
import type { Clock } from '../../core/clock.ts';
import type { TokenVerifier } from '../../domain/identity/token-authority.ts';
import type { StoragePermission } from '../../domain/storage/blob-scope.ts';
import type { ContainerAcl, PublicAccessLevel } from '../../domain/storage/public-access.ts';
import { authenticationFailed, bearerRefused, header, permissionMismatch, resourceNotFound } from './storage-error.ts';

export type Caller =
  { kind: 'sas'; staging: boolean } | { kind: 'bearer'; principalId: string } | { kind: 'anonymous' };

/** Azure RBAC over a container's scope, and the containers' public access levels (Set Container ACL). */
export interface BlobAccessRules {
  holds(principalId: string, permission: StoragePermission, region: string, container: string): Promise<boolean>;
  acl(region: string, container: string): Promise<ContainerAcl>;
  setAcl(region: string, container: string, publicAccess: PublicAccessLevel | undefined): Promise<ContainerAcl>;
}

export interface CallerDeps {
  sasSecret: Buffer;
  /** Whether the stored grant a SAS names (its `si`) still stands; revoked grants end their SAS early. */
  grants: { isActive(region: string, key: string, identifier: string): Promise<boolean> };
  tokens: TokenVerifier;
  clock: Clock;
  access: BlobAccessRules;
}

const STORAGE_AUDIENCES = new Set(['https://storage.azure.com', 'https://storage.azure.com/']);

/** The caller of a request on `blob` (a SAS only ever names one blob), or on a container when `blob` is undefined. */
export async function identifyCaller(
  deps: CallerDeps,
  request: FastifyRequest,
  query: URLSearchParams,
  blob?: { region: string; key: string },
): Promise<Caller> {
  if (query.has('sig')) {
    if (blob === undefined)
      throw authenticationFailed('Kiln signs blob SAS only (sr=b); containers take a bearer token.');
    const check = verifyBlobAccess(deps.sasSecret, blob.region, blob.key, query, deps.clock.now());
    if (!check.ok) throw authenticationFailed(check.reason);
    if (!(await deps.grants.isActive(blob.region, blob.key, check.identifier)))
      throw authenticationFailed('The access this signature was issued for has ended (endGetAccess) or was replaced.');
    return { kind: 'sas', staging: check.staging };
  }
  const authorization = header(request, 'authorization');
  if (authorization === undefined) return { kind: 'anonymous' };
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (bearer === null) throw bearerRefused('InvalidAuthenticationInfo', 'Only Bearer authorization is supported.');
  const check = await deps.tokens.verify(bearer[1]);
  if (!check.ok) throw bearerRefused('InvalidAuthenticationInfo', check.reason);
  if (!STORAGE_AUDIENCES.has(check.claims.aud)) {
    throw bearerRefused(
      'InvalidAuthenticationInfo',
      `Audience validation failed: ${check.claims.aud} is not https://storage.azure.com.`,
    );
  }
  return { kind: 'bearer', principalId: check.claims.oid };
}

/**
 * Refuses a bearer or anonymous caller `permission` on the container: 403 AuthorizationPermissionMismatch
 * for a principal without it; for no credentials, a read of a public container passes, another read
 * is 404 ResourceNotFound and anything else asks for a token.
 */
export async function requirePermission(
  deps: CallerDeps,
  caller: Caller,
  permission: StoragePermission,
  region: string,
  container: string,
  anonymousRead = false,
): Promise<void> {
  if (caller.kind === 'sas') throw permissionMismatch();
  if (caller.kind === 'bearer') {
    if (!(await deps.access.holds(caller.principalId, permission, region, container))) throw permissionMismatch();
    return;
  }
  if (!anonymousRead) throw bearerRefused('NoAuthenticationInformation');
  if ((await deps.access.acl(region, container)).publicAccess === undefined) throw resourceNotFound();
}
