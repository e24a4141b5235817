/**
 * The fields of a gallery PUT or PATCH beyond description and tags: its sharing profile, soft delete
 * policy and identity. Each problem is recorded at its JSON path; nothing is stored unless all pass.
 *
 * Invariants:
 *  - `sharingProfile.groups`, `communityGalleryInfo.communityGalleryEnabled` and `publicNames` are
 *    read-only here (Azure's spec marks them so): only the share action (share.ts) changes them, and a
 *    body that sends them back from a GET keeps the stored ones.
 *  - The permission of a gallery that is shared (groups, or an enabled community gallery) does not
 *    change by PUT or PATCH: a Reset through the share action comes first.
 */
import { ArmError, type Problems } from '../../core/arm-error.ts';
import { parseResourceId, resourceTypeOf } from '../../core/resource-id.ts';
import type { DomainContext } from '../context.ts';
import { findIdentity } from '../managed-identities/operations.ts';
import { USER_ASSIGNED_IDENTITY_KIND } from '../managed-identities/identity.ts';
import { booleanAt, isObject, objectAt, refuseUnknownFields, requiredEnum } from '../shared/validate.ts';
import { SHARING_PERMISSIONS, type CommunityGalleryInfo, type Gallery, type SharingProfile } from './gallery.ts';

const P = 'properties';
const COMMUNITY_FIELDS = ['publisherUri', 'publisherContact', 'eula', 'publicNamePrefix'] as const;

/** The first api-version of GalleryRP whose galleries may turn soft delete on (Azure's soft delete page). */
export const SOFT_DELETE_FIRST_API_VERSION = '2024-03-03';

/** `properties.sharingProfile` of a PUT or PATCH, over the gallery's current one (undefined: unchanged). */
export function checkSharingProfile(
  raw: unknown,
  current: SharingProfile | undefined,
  problems: Problems,
): SharingProfile | undefined {
  const at = `${P}.sharingProfile`;
  const given = objectAt(raw, at, problems);
  if (!given) return current;
  const permissions = requiredEnum(given.permissions, SHARING_PERMISSIONS, `${at}.permissions`, problems);
  const info =
    given.communityGalleryInfo === undefined || given.communityGalleryInfo === null
      ? current?.communityGalleryInfo
      : checkCommunityInfo(given.communityGalleryInfo, current?.communityGalleryInfo, problems);
  if (permissions === 'Community' && !info)
    problems.add(
      `${at}.communityGalleryInfo`,
      `A gallery shared to the community needs '${at}.communityGalleryInfo' with ${COMMUNITY_FIELDS.join(', ')}.`,
    );
  if (!permissions) return current;
  if (current && current.permissions !== permissions && isShared(current))
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `The gallery is shared (${current.permissions}); its sharing permission cannot change from '${current.permissions}' to '${permissions}' until its sharing is reset: POST .../share with {"operationType": "Reset"}.`,
      `${at}.permissions`,
    );
  return { permissions, groups: current?.groups ?? [], ...(info ? { communityGalleryInfo: info } : {}) };
}

/** Whether anyone but its own subscription's principals sees the gallery. */
export const isShared = (profile: SharingProfile | undefined) =>
  !!profile && (profile.groups.length > 0 || profile.communityGalleryInfo?.communityGalleryEnabled === true);

function checkCommunityInfo(
  raw: unknown,
  current: CommunityGalleryInfo | undefined,
  problems: Problems,
): CommunityGalleryInfo | undefined {
  const at = `${P}.sharingProfile.communityGalleryInfo`;
  const given = objectAt(raw, at, problems);
  if (!given) return current;
  refuseUnknownFields(given, COMMUNITY_FIELDS, at, problems, {
    readOnly: ['communityGalleryEnabled', 'publicNames'],
  });
  const text = (field: (typeof COMMUNITY_FIELDS)[number]) => {
    const value = given[field];
    if (typeof value === 'string' && value.trim() !== '') return value;
    problems.add(`${at}.${field}`, `Required parameter '${at}.${field}' is missing or empty.`);
    return '';
  };
  const info = {
    publisherUri: text('publisherUri'),
    publisherContact: text('publisherContact'),
    eula: text('eula'),
    publicNamePrefix: text('publicNamePrefix'),
  };
  if (info.publicNamePrefix && !/^[A-Za-z0-9]([A-Za-z0-9_.-]{0,14}[A-Za-z0-9])?$/.test(info.publicNamePrefix))
    problems.add(
      `${at}.publicNamePrefix`,
      `The public name prefix '${info.publicNamePrefix}' is invalid: at most 16 letters, digits, periods, hyphens and underscores, starting and ending with a letter or digit.`,
    );
  if (current?.communityGalleryEnabled && info.publicNamePrefix && info.publicNamePrefix !== current.publicNamePrefix)
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `The community gallery is public as ${current.publicNames?.join(', ')}: its public name prefix cannot change while it is shared to the community.`,
      `${at}.publicNamePrefix`,
    );
  return {
    ...info,
    communityGalleryEnabled: current?.communityGalleryEnabled ?? false,
    ...(current?.publicNames ? { publicNames: current.publicNames } : {}),
  };
}

/** `properties.softDeletePolicy` (undefined: unchanged); turning it on takes api-version 2024-03-03 or later, as Azure's does. */
export function checkSoftDeletePolicy(
  raw: unknown,
  current: Gallery['properties']['softDeletePolicy'],
  apiVersion: string,
  problems: Problems,
): Gallery['properties']['softDeletePolicy'] {
  const at = `${P}.softDeletePolicy`;
  const given = objectAt(raw, at, problems);
  if (!given) return current;
  refuseUnknownFields(given, ['isSoftDeleteEnabled'], at, problems);
  const enabled = booleanAt(given.isSoftDeleteEnabled, `${at}.isSoftDeleteEnabled`, problems) ?? false;
  if (enabled && apiVersion < SOFT_DELETE_FIRST_API_VERSION)
    problems.add(
      `${at}.isSoftDeleteEnabled`,
      `Soft delete of a gallery's image versions takes api-version ${SOFT_DELETE_FIRST_API_VERSION} or later; this request is ${apiVersion}.`,
    );
  return { isSoftDeleteEnabled: enabled };
}

const IDENTITY_TYPES = ['UserAssigned', 'None', 'SystemAssigned', 'SystemAssigned, UserAssigned'] as const;

/**
 * `identity`: user-assigned identities, each of which must exist (shown with its principal and client
 * ids); undefined when not given. A system-assigned identity is refused: Kiln makes no principal for a
 * gallery, and a made-up principal id would name nobody.
 */
export async function checkGalleryIdentity(
  ctx: DomainContext,
  raw: unknown,
  problems: Problems,
): Promise<Gallery['identity']> {
  const given = objectAt(raw, 'identity', problems);
  if (!given) return undefined;
  const type = requiredEnum(given.type, IDENTITY_TYPES, 'identity.type', problems);
  if (type === 'SystemAssigned' || type === 'SystemAssigned, UserAssigned') {
    problems.add(
      'identity.type',
      `A system-assigned identity for a gallery is not supported by Kiln; use 'UserAssigned' with a user-assigned managed identity.`,
    );
    return undefined;
  }
  if (type !== 'UserAssigned') return type ? { type } : undefined;
  const assigned = isObject(given.userAssignedIdentities) ? Object.keys(given.userAssignedIdentities) : [];
  if (assigned.length === 0)
    problems.add(
      'identity.userAssignedIdentities',
      `'identity.userAssignedIdentities' must name at least one identity.`,
    );
  const shown: Record<string, { principalId: string; clientId: string }> = {};
  for (const id of assigned) {
    const parsed = parseResourceId(id);
    const identity =
      parsed && resourceTypeOf(parsed) === USER_ASSIGNED_IDENTITY_KIND ? await findIdentity(ctx, id) : undefined;
    if (!identity) {
      problems.add(
        'identity.userAssignedIdentities',
        `'${id}' is not the id of an existing user-assigned managed identity.`,
        'LinkedInvalidPropertyId',
      );
      continue;
    }
    shown[identity.id] = { principalId: identity.properties.principalId, clientId: identity.properties.clientId };
  }
  return { type, userAssignedIdentities: shown };
}
