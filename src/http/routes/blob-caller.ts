/**
 * Who calls the blob data plane, and whether they may. As in Azure Storage:
 *  - a SAS (`sig`) Kiln signed is its own authorization: Kiln signs it for one blob, `r` for reads,
 *    `rw` for page writes to a disk upload in progress;
 *  - a user delegation SAS (`skoid`, core/user-delegation-sas.ts) is checked (signature, times) and then
 *    stands for its key's principal, which must still exist and, like a bearer token's, hold the data
 *    action at the container at request time: revoking the role revokes every SAS the principal signed;
 *  - a bearer token for https://storage.azure.com is checked against the caller's role assignments
 *    at the container's scope (domain/storage/blob-scope.ts): data actions for blobs, management
 *    actions for the container's access level. Owner holds no data actions, as in Azure;
 *  - no credentials at all may only read, and only from a container whose public access level is
 *    set; a private container answers 404 ResourceNotFound, as Azure answers an anonymous read there.
 */
import type { FastifyRequest } from 'fastify';
import { verifyBlobAccess } from '../../core/blob-sas.ts';
import { isUserDelegationSas, verifyUserDelegationSas } from '../../core/user-delegation-sas.ts';
import type { Clock } from '../../core/clock.ts';
import type { TokenVerifier } from '../../domain/identity/token-authority.ts';
import type { StoragePermission } from '../../domain/storage/blob-scope.ts';
import type { ContainerAcl, PublicAccessLevel } from '../../domain/storage/public-access.ts';
import type { BlobAddress } from '../../core/blob-url.ts';
import { authenticationFailed, bearerRefused, header, permissionMismatch, resourceNotFound } from './storage-error.ts';

export type Caller =
  | { kind: 'sas'; staging: boolean }
  | { kind: 'bearer'; principalId: string; tenantId: string }
  | {
      kind: 'delegation';
      principalId: string;
      /** The SAS's signed permissions (`sp`). */
      permissions: string;
      /** Response headers the SAS sets on a read. */
      responseHeaders: Record<string, string>;
    }
  | { kind: 'anonymous' };

/** Azure RBAC over a container's scope, and the containers' public access levels (Set Container ACL). */
export interface BlobAccessRules {
  /** Whether the principal holds `permission` at the container, or at the region's account when `container` is undefined. */
  holds(principalId: string, permission: StoragePermission, region: string, container?: string): Promise<boolean>;
  /** Whether a principal with this object id exists (a deleted one's SAS stops working, as its tokens do). */
  principalExists(objectId: string): Promise<boolean>;
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
  blob?: BlobAddress,
): Promise<Caller> {
  if (isUserDelegationSas(query)) {
    if (blob === undefined) throw authenticationFailed('Kiln takes user delegation SAS for blobs only (sr=b).');
    const secure = request.protocol === 'https';
    const check = verifyUserDelegationSas(deps.sasSecret, blob, query, deps.clock.now(), secure);
    if (!check.ok) throw authenticationFailed(check.reason);
    if (!(await deps.access.principalExists(check.principalId)))
      throw authenticationFailed(`The principal ${check.principalId} that signed this SAS no longer exists.`);
    return { kind: 'delegation', ...check };
  }
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
  return { kind: 'bearer', principalId: check.claims.oid, tenantId: check.claims.tid };
}

/**
 * Refuses a bearer, delegation or anonymous caller `permission` on the container: 403
 * AuthorizationPermissionMismatch for a principal (a token's, or the key's of a user delegation SAS)
 * without it; for no credentials, a read of a public container passes, another read is 404
 * ResourceNotFound and anything else asks for a token.
 */
export async function requirePermission(
  deps: CallerDeps,
  caller: Caller,
  permission: StoragePermission,
  region: string,
  /** Undefined for the region's account as a whole. */
  container: string | undefined,
  anonymousRead = false,
): Promise<void> {
  if (caller.kind === 'sas') throw permissionMismatch();
  if (caller.kind === 'bearer' || caller.kind === 'delegation') {
    if (!(await deps.access.holds(caller.principalId, permission, region, container))) throw permissionMismatch();
    return;
  }
  if (!anonymousRead) throw bearerRefused('NoAuthenticationInformation');
  if (container === undefined || (await deps.access.acl(region, container)).publicAccess === undefined)
    throw resourceNotFound();
}
