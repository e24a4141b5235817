/**
 * A gallery's `identity`: user-assigned identities, each of which must exist (shown with its principal
 * and client ids), and a system-assigned one, a principal of the gallery's own made in the gallery's
 * batch (no secret, placed in its resource group as a user-assigned identity's principal is, so a
 * group delete takes it too) and deleted with the gallery or when the identity drops it. Role
 * assignments may name it by its `principalId`, as in Azure.
 */
import { randomUUID } from 'node:crypto';
import type { Problems } from '../../core/arm-error.ts';
import { parseResourceId, resourceTypeOf } from '../../core/resource-id.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { identityPrincipalRecord, servicePrincipalKey } from '../identity/service-principals.ts';
import { USER_ASSIGNED_IDENTITY_KIND } from '../managed-identities/identity.ts';
import { findIdentity } from '../managed-identities/operations.ts';
import { isObject, objectAt, requiredEnum } from '../shared/validate.ts';
import type { Gallery, GalleryInternal } from './gallery.ts';

const TYPES = ['None', 'SystemAssigned', 'UserAssigned', 'SystemAssigned, UserAssigned'] as const;
type IdentityType = (typeof TYPES)[number];

/** The identity a body asks for, checked (undefined: not given, unchanged). */
export interface IdentityRequest {
  type: IdentityType;
  userAssignedIdentities: Record<string, { principalId: string; clientId: string }>;
}

export async function checkGalleryIdentity(
  ctx: DomainContext,
  raw: unknown,
  problems: Problems,
): Promise<IdentityRequest | undefined> {
  const given = objectAt(raw, 'identity', problems);
  if (!given) return undefined;
  const type = requiredEnum(given.type, TYPES, 'identity.type', problems);
  if (!type) return undefined;
  const at = 'identity.userAssignedIdentities';
  const assigned = isObject(given.userAssignedIdentities) ? Object.keys(given.userAssignedIdentities) : [];
  const wantsUser = type.includes('UserAssigned');
  if (wantsUser && assigned.length === 0)
    problems.add(at, `Identity type '${type}' needs '${at}' to name at least one identity.`);
  if (!wantsUser && assigned.length > 0) problems.add(at, `Identity type '${type}' takes no '${at}'.`);
  const shown: IdentityRequest['userAssignedIdentities'] = {};
  for (const id of wantsUser ? assigned : []) {
    const parsed = parseResourceId(id);
    const identity =
      parsed && resourceTypeOf(parsed) === USER_ASSIGNED_IDENTITY_KIND ? await findIdentity(ctx, id) : undefined;
    if (!identity) {
      problems.add(
        at,
        `'${id}' is not the id of an existing user-assigned managed identity.`,
        'LinkedInvalidPropertyId',
      );
      continue;
    }
    shown[identity.id] = { principalId: identity.properties.principalId, clientId: identity.properties.clientId };
  }
  return { type, userAssignedIdentities: shown };
}

/**
 * The identity the gallery shows after `request` (none given: as it was), its internal facts, and the
 * writes of its system-assigned principal: made when it first asks for one, deleted when it stops.
 */
export function applyGalleryIdentity(
  ctx: DomainContext,
  gallery: Pick<Gallery, 'id' | 'name'> & { identity?: Gallery['identity'] },
  internal: GalleryInternal,
  request: IdentityRequest | undefined,
  placement: { subscription: string; resourceGroup: string },
): { identity: Gallery['identity']; internal: GalleryInternal; writes: Write[] } {
  if (!request) return { identity: gallery.identity, internal, writes: [] };
  const system = request.type.startsWith('SystemAssigned');
  const user = request.type.includes('UserAssigned') ? { userAssignedIdentities: request.userAssignedIdentities } : {};
  const { systemAppId, ...rest } = internal;
  if (!system)
    return {
      identity: request.type === 'None' ? undefined : { type: request.type, ...user },
      internal: rest,
      writes: systemAppId ? [{ op: 'delete', key: servicePrincipalKey(systemAppId) }] : [],
    };
  const kept = gallery.identity?.principalId;
  const principalId = systemAppId && kept ? kept : randomUUID();
  const appId = systemAppId && kept ? systemAppId : randomUUID();
  const writes: Write[] =
    systemAppId && kept
      ? []
      : [
          {
            op: 'put',
            record: identityPrincipalRecord({ appId, objectId: principalId, displayName: gallery.name }, placement),
            expect: { absent: true },
          },
        ];
  return {
    identity: {
      type: request.type === 'SystemAssigned' ? 'SystemAssigned' : 'SystemAssigned, UserAssigned',
      principalId,
      tenantId: ctx.settings.tenantId,
      ...user,
    },
    internal: { ...rest, systemAppId: appId },
    writes,
  };
}

/** What deleting the gallery deletes besides its record: its system-assigned principal. */
export const galleryIdentityDeletes = (internal: GalleryInternal): Write[] =>
  internal.systemAppId ? [{ op: 'delete', key: servicePrincipalKey(internal.systemAppId) }] : [];
