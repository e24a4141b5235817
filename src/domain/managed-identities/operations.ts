/** Microsoft.ManagedIdentity/userAssignedIdentities: one function per REST operation. */
import { randomUUID } from 'node:crypto';
import { ArmError, Problems } from '../../core/arm-error.ts';
import { formatResourceId, type ResourceId } from '../../core/resource-id.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { identityPrincipalRecord, servicePrincipalKey } from '../identity/service-principals.ts';
import { getResource, requireGroupResource, resourceRecord } from '../shared/arm-resource.ts';
import { checkConditions, type Conditions } from '../shared/conditions.ts';
import { listInScope } from '../shared/list-resources.ts';
import type { PageRequest } from '../shared/paging.ts';
import type { ListScope, ResourceRef } from '../shared/resource-ref.ts';
import { checkLocation, checkTags, requireResourceGroup, requireWritableResourceGroup } from '../shared/scope.ts';
import { enumValue, objectAt, refuseUnknownFields } from '../shared/validate.ts';
import {
  USER_ASSIGNED_IDENTITY_KIND,
  checkIdentityName,
  identityId,
  type AssignmentRestrictions,
  type UserAssignedIdentity,
  type UserAssignedIdentityRecord,
} from './identity.ts';
import { checkAssignmentRestrictions } from './assignment-restrictions.ts';
import { refuseAssignmentRestrictionsBefore, refuseIsolationScopeBefore } from './identity-view.ts';

const getIdentityRecord = (ctx: DomainContext, id: ResourceId) =>
  getResource<UserAssignedIdentity, Record<string, never>>(ctx, id);

/** What a GET answers and a client may send back: taken and ignored. */
const READ_ONLY = ['id', 'name', 'type', 'systemData'];
const READ_ONLY_PROPERTIES = ['tenantId', 'principalId', 'clientId'];

/**
 * A PUT's or PATCH's `properties`: `isolationScope` (in the models from 2024-11-30 on, refused at an
 * older `apiVersion`: identity-view.ts) is kept when None, and Regional, which would restrict the
 * resources the identity may be assigned to by region, refused at its path; `assignmentRestrictions`
 * (2025-05-31-preview, 2026-05-31 on) is kept and held to (assignment-restrictions.ts), null taking it
 * away; any other member is refused rather than dropped. What the body gave of each.
 */
function checkIdentityProperties(
  body: Record<string, unknown>,
  apiVersion: string | undefined,
  problems: Problems,
): { isolationScope?: 'None'; assignmentRestrictions?: AssignmentRestrictions | null } {
  const props = objectAt(body.properties, 'properties', problems);
  if (!props) return {};
  refuseUnknownFields(props, ['isolationScope', 'assignmentRestrictions'], 'properties', problems, {
    readOnly: READ_ONLY_PROPERTIES,
  });
  refuseIsolationScopeBefore(props, apiVersion, problems);
  refuseAssignmentRestrictionsBefore(props, apiVersion, problems);
  const scope = enumValue(props.isolationScope, ['None', 'Regional'] as const, 'properties.isolationScope', problems);
  if (scope === 'Regional')
    problems.add(
      'properties.isolationScope',
      "Kiln does not restrict where an identity is assigned by region, so an identity's isolation scope can only be None.",
      'PropertyNotSupported',
    );
  const assignmentRestrictions = checkAssignmentRestrictions(props.assignmentRestrictions, problems);
  return {
    ...(scope === 'None' ? { isolationScope: scope } : {}),
    ...(assignmentRestrictions !== undefined ? { assignmentRestrictions } : {}),
  };
}

/** `properties` with what a request gave set (a null `assignmentRestrictions` taking it away). */
function withGiven(
  properties: UserAssignedIdentity['properties'],
  given: ReturnType<typeof checkIdentityProperties>,
): UserAssignedIdentity['properties'] {
  const { assignmentRestrictions, ...rest } = properties;
  const restrictions =
    given.assignmentRestrictions === undefined ? assignmentRestrictions : given.assignmentRestrictions;
  return {
    ...rest,
    ...(given.isolationScope ? { isolationScope: given.isolationScope } : {}),
    ...(restrictions ? { assignmentRestrictions: restrictions } : {}),
  };
}

/**
 * A new identity gets a new principal; a repeated PUT changes its tags only, as in Azure. `apiVersion`
 * is the request's (what its model has: identity-view.ts).
 */
export async function createOrUpdateIdentity(
  ctx: DomainContext,
  ref: ResourceRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
  apiVersion?: string,
) {
  checkIdentityName(ref.name);
  const group = await requireWritableResourceGroup(ctx, ref.subscription, ref.resourceGroup);
  const id = identityId(ref.subscription, group.data.resource.name, ref.name);
  const existing = await getIdentityRecord(ctx, id);
  checkConditions(conditions, existing?.etag);
  const problems = new Problems();
  refuseUnknownFields(body, ['location', 'tags', 'properties'], '', problems, { readOnly: READ_ONLY });
  const location = checkLocation(ctx, body.location, problems);
  const tags = checkTags(body.tags, problems);
  const given = checkIdentityProperties(body, apiVersion, problems);
  problems.throwIfAny();
  if (existing && existing.data.resource.location !== location) {
    throw new ArmError(
      409,
      'InvalidResourceLocation',
      `The resource '${ref.name}' already exists in location '${existing.data.resource.location}'. A resource with the same name cannot be created in location '${location}'.`,
      'location',
    );
  }
  const identity: UserAssignedIdentity = {
    id: formatResourceId(id),
    name: existing?.data.resource.name ?? ref.name,
    type: 'Microsoft.ManagedIdentity/userAssignedIdentities',
    location,
    ...(tags ? { tags } : {}),
    properties: withGiven(
      existing?.data.resource.properties ?? {
        tenantId: ctx.settings.tenantId,
        principalId: randomUUID(),
        clientId: randomUUID(),
      },
      given,
    ),
  };
  const writes: Write[] = [
    { op: 'put', record: resourceRecord(identity, {}), expect: existing ? { etag: existing.etag } : { absent: true } },
  ];
  const { principalId: objectId, clientId: appId } = identity.properties;
  if (!existing)
    writes.push({
      op: 'put',
      record: identityPrincipalRecord(
        { appId, objectId, displayName: identity.name },
        { subscription: ref.subscription, resourceGroup: group.data.resource.name },
      ),
      expect: { absent: true },
    });
  const [stored] = await ctx.store.apply(writes);
  return { status: existing ? 200 : 201, identity, etag: stored.etag } as const;
}

/** PATCH: tags, the isolation scope (None) and the assignment restrictions are all an identity may change; its region stays. */
export async function updateIdentity(
  ctx: DomainContext,
  ref: ResourceRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
  apiVersion?: string,
) {
  const existing = await getIdentity(ctx, ref);
  checkConditions(conditions, existing.etag);
  const problems = new Problems();
  refuseUnknownFields(body, ['location', 'tags', 'properties'], '', problems, { readOnly: READ_ONLY });
  const next: UserAssignedIdentity = structuredClone(existing.data.resource);
  if (body.location !== undefined && checkLocation(ctx, body.location, problems) !== next.location)
    problems.add('location', `An identity stays in its region, '${next.location}'.`, 'PropertyChangeNotAllowed');
  if (body.tags !== undefined) next.tags = checkTags(body.tags, problems);
  next.properties = withGiven(next.properties, checkIdentityProperties(body, apiVersion, problems));
  problems.throwIfAny();
  const [stored] = await ctx.store.apply([
    { op: 'put', record: resourceRecord(next, {}), expect: { etag: existing.etag } },
  ]);
  return { identity: next, etag: stored.etag };
}

export async function getIdentity(ctx: DomainContext, ref: ResourceRef): Promise<UserAssignedIdentityRecord> {
  return requireGroupResource<UserAssignedIdentity, Record<string, never>>(
    ctx,
    identityId(ref.subscription, ref.resourceGroup, ref.name),
  );
}

export function listIdentities(ctx: DomainContext, where: ListScope, page: PageRequest) {
  return listInScope<UserAssignedIdentity>(ctx, USER_ASSIGNED_IDENTITY_KIND, where, page);
}

/** The identity and its principal go together: tokens already issued to it stop verifying. Its role assignments stay, as in Azure. */
export async function deleteIdentity(ctx: DomainContext, ref: ResourceRef, conditions?: Conditions): Promise<boolean> {
  await requireResourceGroup(ctx, ref.subscription, ref.resourceGroup);
  const existing = await getIdentityRecord(ctx, identityId(ref.subscription, ref.resourceGroup, ref.name));
  checkConditions(conditions, existing?.etag);
  if (!existing) return false;
  await ctx.store.apply([
    { op: 'delete', key: existing.key, expect: { etag: existing.etag } },
    { op: 'delete', key: servicePrincipalKey(existing.data.resource.properties.clientId) },
  ]);
  return true;
}

/** The identity a template names, wherever it lives, or undefined when it does not exist. */
export async function findIdentity(ctx: DomainContext, id: string): Promise<UserAssignedIdentity | undefined> {
  return (await getResource<UserAssignedIdentity, Record<string, never>>(ctx, id))?.data.resource;
}
