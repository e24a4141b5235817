/**
 * The fields of a gallery PUT or PATCH beyond description, tags and identity (gallery-identity.ts): its
 * sharing profile and soft delete policy. Each problem is recorded at its JSON path; nothing is stored unless all pass.
 *
 * Invariants:
 *  - `sharingProfile.groups`, `communityGalleryInfo.communityGalleryEnabled` and `publicNames` are
 *    read-only here (Azure's spec marks them so): only the share action (share.ts) changes them, and a
 *    body that sends them back from a GET keeps the stored ones.
 *  - The permission of a gallery that is shared (groups, or an enabled community gallery) does not
 *    change by PUT or PATCH: a Reset through the share action comes first.
 */
import { ArmError, type Problems } from '../../core/arm-error.ts';
import { booleanAt, objectAt, refuseUnknownFields, requiredEnum } from '../shared/validate.ts';
import { SHARING_PERMISSIONS, type CommunityGalleryInfo, type Gallery, type SharingProfile } from './gallery.ts';

const P = 'properties';
const COMMUNITY_FIELDS = ['publisherUri', 'publisherContact', 'eula', 'publicNamePrefix'] as const;

/**
 * The first api-version of GalleryRP whose gallery model has `softDeletePolicy` (its 2021-07-01 examples
 * turn it on; az 2.45's `sig create --soft-delete` sends it at 2021-10-01). Azure's soft delete page
 * names 2024-03-03 for its preview, which would refuse that az; older versions have no such field.
 */
const SOFT_DELETE_FIRST_API_VERSION = '2021-07-01';

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

/** `properties.softDeletePolicy` (undefined: unchanged); turning it on takes an api-version whose model has it. */
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
      `'${at}' is not in the gallery model before api-version ${SOFT_DELETE_FIRST_API_VERSION}; this request is ${apiVersion}.`,
    );
  return { isSoftDeleteEnabled: enabled };
}
