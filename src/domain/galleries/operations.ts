/** Microsoft.Compute/galleries: one function per REST operation. */
import { ArmError, Problems } from '../../core/arm-error.ts';
import { formatResourceId, type ResourceId } from '../../core/resource-id.ts';
import type { DomainContext } from '../context.ts';
import { getResource, requireGroupResource, resourceRecord } from '../shared/arm-resource.ts';
import { checkConditions, type Conditions } from '../shared/conditions.ts';
import { listInScope } from '../shared/list-resources.ts';
import type { PageRequest } from '../shared/paging.ts';
import { checkQuota } from '../shared/quota.ts';
import type { ListScope, ResourceRef } from '../shared/resource-ref.ts';
import { checkLocation, checkTags, requireResourceGroup, requireWritableResourceGroup } from '../shared/scope.ts';
import { isObject } from '../shared/validate.ts';
import { GALLERY_RP_API_VERSIONS } from './descriptor.ts';
import {
  GALLERY_KIND,
  checkGalleryName,
  galleryUniqueName,
  type Gallery,
  type GalleryInternal,
  type GalleryRecord,
} from './gallery.ts';
import { applyGalleryIdentity, checkGalleryIdentity, galleryIdentityDeletes } from './gallery-identity.ts';
import { checkSharingProfile, checkSoftDeletePolicy } from './validate-gallery.ts';

export const galleryId = (ref: ResourceRef): ResourceId => ({
  subscription: ref.subscription,
  resourceGroup: ref.resourceGroup,
  namespace: 'Microsoft.Compute',
  types: [['galleries', ref.name]],
});

function checkDescription(value: unknown, problems: Problems): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') problems.add('properties.description', "'properties.description' must be a string.");
  return typeof value === 'string' ? value : undefined;
}

/**
 * What a gallery write reads besides its body: the request's api-version (soft delete needs 2021-07-01
 * or later; a caller inside Kiln, as `kiln build`, writes as the newest) and its conditions.
 */
export interface GalleryWriteOptions {
  apiVersion?: string;
  conditions?: Conditions;
}

const NEWEST = GALLERY_RP_API_VERSIONS[GALLERY_RP_API_VERSIONS.length - 1];

export async function createOrUpdateGallery(
  ctx: DomainContext,
  ref: ResourceRef,
  body: Record<string, unknown>,
  { apiVersion = NEWEST, conditions }: GalleryWriteOptions = {},
) {
  const { subscription, name } = ref;
  checkGalleryName(name);
  const group = await requireWritableResourceGroup(ctx, subscription, ref.resourceGroup);
  const id = galleryId({ ...ref, resourceGroup: group.data.resource.name });
  const existing = await getResource<Gallery, GalleryInternal>(ctx, id);
  checkConditions(conditions, existing?.etag);
  const problems = new Problems();
  const location = checkLocation(ctx, body.location, problems);
  const tags = checkTags(body.tags, problems);
  const props = isObject(body.properties) ? body.properties : {};
  const description = checkDescription(props.description, problems);
  const before = existing?.data.resource;
  const sharingProfile = checkSharingProfile(props.sharingProfile, before?.properties.sharingProfile, problems);
  const softDeletePolicy = checkSoftDeletePolicy(
    props.softDeletePolicy,
    before?.properties.softDeletePolicy,
    apiVersion,
    problems,
  );
  const identityRequest = await checkGalleryIdentity(ctx, body.identity, problems);
  problems.throwIfAny();
  if (existing && existing.data.resource.location !== location) {
    throw new ArmError(
      409,
      'PropertyChangeNotAllowed',
      `Changing property 'location' is not allowed: the gallery is in '${existing.data.resource.location}'.`,
      'location',
    );
  }
  if (!existing) await checkQuota(ctx, 'galleries', subscription, location);
  const placement = { subscription, resourceGroup: group.data.resource.name };
  const { identity, internal, writes } = applyGalleryIdentity(
    ctx,
    { id: formatResourceId(id), name, identity: before?.identity },
    existing?.data.internal ?? {},
    identityRequest,
    placement,
  );
  const gallery: Gallery = {
    id: formatResourceId(id),
    name: existing?.data.resource.name ?? name,
    type: 'Microsoft.Compute/galleries',
    location,
    ...(tags ? { tags } : {}),
    ...(identity ? { identity } : {}),
    properties: {
      ...(description !== undefined ? { description } : {}),
      identifier: { uniqueName: galleryUniqueName(subscription, name) },
      ...(sharingProfile ? { sharingProfile } : {}),
      ...(softDeletePolicy ? { softDeletePolicy } : {}),
      ...(before?.properties.sharingStatus ? { sharingStatus: before.properties.sharingStatus } : {}),
      provisioningState: 'Succeeded',
    },
  };
  const [stored] = await ctx.store.apply([
    {
      op: 'put',
      record: resourceRecord(gallery, internal),
      expect: existing ? { etag: existing.etag } : { absent: true },
    },
    ...writes,
  ]);
  return { status: existing ? 200 : 201, gallery, etag: stored.etag } as const;
}

/** PATCH: description, tags, sharing permission and community info, soft delete policy and identity. */
export async function updateGallery(
  ctx: DomainContext,
  ref: ResourceRef,
  body: Record<string, unknown>,
  { apiVersion = NEWEST, conditions }: GalleryWriteOptions = {},
) {
  const existing = await getGallery(ctx, ref);
  checkConditions(conditions, existing.etag);
  const problems = new Problems();
  const props = isObject(body.properties) ? body.properties : {};
  const next: Gallery = structuredClone(existing.data.resource);
  if (body.tags !== undefined) next.tags = checkTags(body.tags, problems);
  if (props.description !== undefined) next.properties.description = checkDescription(props.description, problems);
  const { sharingProfile, softDeletePolicy } = next.properties;
  const sharing = checkSharingProfile(props.sharingProfile, sharingProfile, problems);
  const softDelete = checkSoftDeletePolicy(props.softDeletePolicy, softDeletePolicy, apiVersion, problems);
  const identityRequest = await checkGalleryIdentity(ctx, body.identity, problems);
  problems.throwIfAny();
  if (sharing) next.properties.sharingProfile = sharing;
  if (softDelete) next.properties.softDeletePolicy = softDelete;
  const placement = { subscription: ref.subscription, resourceGroup: existing.data.resource.id.split('/')[4] };
  const { identity, internal, writes } = applyGalleryIdentity(
    ctx,
    next,
    existing.data.internal,
    identityRequest,
    placement,
  );
  if (identity) next.identity = identity;
  else delete next.identity;
  const [stored] = await ctx.store.apply([
    { op: 'put', record: resourceRecord(next, internal), expect: { etag: existing.etag } },
    ...writes,
  ]);
  return { gallery: next, etag: stored.etag };
}

export async function getGallery(ctx: DomainContext, ref: ResourceRef): Promise<GalleryRecord> {
  return requireGroupResource<Gallery, GalleryInternal>(ctx, galleryId(ref));
}

export function listGalleries(ctx: DomainContext, where: ListScope, page: PageRequest) {
  return listInScope<Gallery>(ctx, GALLERY_KIND, where, page);
}

/** Refused while the gallery still holds image definitions, as Azure refuses it. */
export async function deleteGallery(ctx: DomainContext, ref: ResourceRef, conditions?: Conditions): Promise<boolean> {
  await requireResourceGroup(ctx, ref.subscription, ref.resourceGroup);
  const existing = await getResource<Gallery, GalleryInternal>(ctx, galleryId(ref));
  checkConditions(conditions, existing?.etag);
  if (!existing) return false;
  await refuseWhileNested(ctx, existing.key, 'image definitions');
  await ctx.store.apply([
    { op: 'delete', key: existing.key, expect: { etag: existing.etag } },
    ...galleryIdentityDeletes(existing.data.internal),
  ]);
  return true;
}

/** ARM's answer to deleting a parent that still has children. */
export async function refuseWhileNested(ctx: DomainContext, parentKey: string, what: string): Promise<void> {
  const children = await ctx.store.list<{ resource: { id: string } }>({ parent: parentKey, limit: 3 });
  if (children.length === 0) return;
  throw new ArmError(
    409,
    'CannotDeleteResource',
    `Can not delete resource before nested resources are deleted: it still has ${what}. Some existing nested resource IDs include: ${children.map((c) => `'${c.data.resource.id}'`).join(', ')}.`,
  );
}
