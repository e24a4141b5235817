/**
 * POST .../galleries/{gallery}/share (GallerySharingProfile_Update): who besides the gallery's own
 * subscription sees it. `Add` and `Remove` change the subscriptions and tenants of a gallery whose
 * permission is Groups; `Reset` makes it private again (groups gone, community sharing off);
 * `EnableCommunity` makes a gallery whose permission is Community public under a name made of its
 * prefix and a GUID, as Azure names community galleries.
 *
 * Invariants: the gallery and the operation a client polls are written in one batch; the operation
 * is born finished (Kiln's sharing takes effect at once) and hands out the sharing update as its
 * result, which Azure's 200 answers with.
 */
import { ArmError, Problems } from '../../core/arm-error.ts';
import { isGuid, newGuid } from '../../core/ids.ts';
import type { DomainContext } from '../context.ts';
import { finishOperation, startOperationOn, type OperationData } from '../operations/operation.ts';
import { resourceRecord } from '../shared/arm-resource.ts';
import type { ResourceRef } from '../shared/resource-ref.ts';
import { enumValue, isObject, requiredEnum } from '../shared/validate.ts';
import { SHARING_GROUP_TYPES, type Gallery, type SharingProfile, type SharingProfileGroup } from './gallery.ts';
import { getGallery } from './operations.ts';

const OPERATION_TYPES = ['Add', 'Remove', 'Reset', 'EnableCommunity'] as const;
type OperationType = (typeof OPERATION_TYPES)[number];

/** The body Azure echoes: the operation and the groups it named. */
export interface SharingUpdate {
  operationType: OperationType;
  groups?: SharingProfileGroup[];
}

/** `startedBy`, the caller's object id, may poll the operation without read on the gallery (a Compute Gallery Sharing Admin has none). */
export async function updateSharingProfile(
  ctx: DomainContext,
  ref: ResourceRef,
  body: Record<string, unknown>,
  startedBy?: string,
): Promise<{ update: SharingUpdate; operation: OperationData }> {
  const existing = await getGallery(ctx, ref);
  const problems = new Problems();
  const operationType = requiredEnum(body.operationType, OPERATION_TYPES, 'operationType', problems);
  const groups = checkGroups(body.groups, operationType, problems);
  problems.throwIfAny();
  const gallery: Gallery = structuredClone(existing.data.resource);
  const profile = sharedProfile(gallery, operationType!, groups);
  gallery.properties.sharingProfile = profile;
  gallery.properties.sharingStatus = {
    aggregatedState: 'Succeeded',
    summary: [{ region: gallery.location, state: 'Succeeded', details: '' }],
  };
  const update: SharingUpdate = { operationType: operationType!, ...(groups.length > 0 ? { groups } : {}) };
  const now = ctx.clock.now();
  const started = startOperationOn(
    gallery,
    { subscription: ref.subscription, namespace: 'Microsoft.Compute', startedBy },
    now,
  );
  await ctx.store.apply([
    { op: 'put', record: resourceRecord(gallery, existing.data.internal), expect: { etag: existing.etag } },
    finishOperation(started.data, now, { status: 'Succeeded', output: update }),
  ]);
  return { update, operation: started.data };
}

/** The gallery's sharing profile after the operation, or the refusal of an operation its permission does not allow. */
function sharedProfile(gallery: Gallery, operationType: OperationType, groups: SharingProfileGroup[]): SharingProfile {
  const current = gallery.properties.sharingProfile ?? { permissions: 'Private', groups: [] };
  const refuse = (needs: string) =>
    new ArmError(
      409,
      'OperationNotAllowed',
      `The sharing operation '${operationType}' needs a gallery whose 'properties.sharingProfile.permissions' is '${needs}'; gallery '${gallery.name}' is '${current.permissions}'. Set it by PUT or PATCH first.`,
      'operationType',
    );
  switch (operationType) {
    case 'Add':
    case 'Remove':
      if (current.permissions !== 'Groups') throw refuse('Groups');
      return { ...current, groups: changeGroups(current.groups, groups, operationType) };
    case 'Reset': {
      const info = current.communityGalleryInfo;
      if (!info) return { permissions: 'Private', groups: [] };
      const { publisherUri, publisherContact, eula, publicNamePrefix } = info;
      const kept = { publisherUri, publisherContact, eula, publicNamePrefix, communityGalleryEnabled: false };
      return { permissions: 'Private', groups: [], communityGalleryInfo: kept };
    }
    case 'EnableCommunity': {
      const info = current.communityGalleryInfo;
      if (current.permissions !== 'Community' || !info) throw refuse('Community');
      const publicNames = info.publicNames ?? [`${info.publicNamePrefix}-${newGuid()}`];
      return { ...current, communityGalleryInfo: { ...info, communityGalleryEnabled: true, publicNames } };
    }
  }
}

/** The groups after adding or removing ids, each id once (compared without case), empty groups left out. */
function changeGroups(
  current: SharingProfileGroup[],
  change: SharingProfileGroup[],
  operation: 'Add' | 'Remove',
): SharingProfileGroup[] {
  return SHARING_GROUP_TYPES.flatMap((type) => {
    const ids = new Map(
      current.filter((g) => g.type === type).flatMap((g) => g.ids.map((id) => [id.toLowerCase(), id])),
    );
    for (const id of change.filter((g) => g.type === type).flatMap((g) => g.ids)) {
      if (operation === 'Add') ids.set(id.toLowerCase(), id);
      else ids.delete(id.toLowerCase());
    }
    return ids.size > 0 ? [{ type, ids: [...ids.values()] }] : [];
  });
}

/** `groups`: required by Add and Remove, refused with Reset and EnableCommunity; each id a GUID. */
function checkGroups(
  raw: unknown,
  operationType: OperationType | undefined,
  problems: Problems,
): SharingProfileGroup[] {
  const needed = operationType === 'Add' || operationType === 'Remove';
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) {
    if (needed)
      problems.add(
        'groups',
        `The sharing operation '${operationType}' needs 'groups' naming subscriptions or tenants.`,
      );
    return [];
  }
  if (!Array.isArray(raw)) {
    problems.add('groups', `'groups' must be an array.`);
    return [];
  }
  if (!needed && operationType) problems.add('groups', `The sharing operation '${operationType}' takes no 'groups'.`);
  return raw.flatMap((group, i) => {
    const at = `groups[${i}]`;
    const given = isObject(group) ? group : {};
    const type = enumValue(given.type, SHARING_GROUP_TYPES, `${at}.type`, problems);
    if (!type && (given.type === undefined || given.type === null))
      problems.add(
        `${at}.type`,
        `Required parameter '${at}.type' is missing. Allowed values: ${SHARING_GROUP_TYPES.join(', ')}.`,
      );
    const ids = Array.isArray(given.ids) ? given.ids : [];
    if (ids.length === 0)
      problems.add(
        `${at}.ids`,
        `'${at}.ids' must list at least one ${type === 'AADTenants' ? 'tenant' : 'subscription'} id.`,
      );
    ids.forEach((id, j) => {
      if (typeof id !== 'string' || !isGuid(id))
        problems.add(
          `${at}.ids[${j}]`,
          `'${String(id)}' at '${at}.ids[${j}]' is not a subscription or tenant id (a GUID).`,
        );
    });
    return type ? [{ type, ids: ids.filter((id): id is string => typeof id === 'string' && isGuid(id)) }] : [];
  });
}
