/** Microsoft.Compute/galleries/images: one function per REST operation. */
import { ArmError, Problems } from '../../core/arm-error.ts';
import { formatResourceId, resourceKey, type ResourceId } from '../../core/resource-id.ts';
import type { Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { galleryId, getGallery, refuseWhileNested } from '../galleries/operations.ts';
import { getResource, requireResourceUnder, resourceRecord } from '../shared/arm-resource.ts';
import { checkConditions, type Conditions } from '../shared/conditions.ts';
import { listResources } from '../shared/list-resources.ts';
import type { PageRequest } from '../shared/paging.ts';
import { checkQuota } from '../shared/quota.ts';
import type { ResourceRef } from '../shared/resource-ref.ts';
import {
  GALLERY_IMAGE_KIND,
  MUTABLE_FIELDS,
  checkGalleryImageName,
  type GalleryImage,
  type GalleryImageIdentifier,
  type GalleryImageRecord,
} from './gallery-image.ts';
import { validateGalleryImageBody, type GalleryImageSpec } from './validate-gallery-image.ts';

/** An image definition: its own name, and its gallery's. */
export interface GalleryImageRef extends ResourceRef {
  gallery: string;
}

/** The gallery a definition (or a list of them) is in. */
const galleryRef = (ref: Omit<GalleryImageRef, 'name'>): ResourceRef => ({
  subscription: ref.subscription,
  resourceGroup: ref.resourceGroup,
  name: ref.gallery,
});

export const galleryImageId = (ref: GalleryImageRef): ResourceId => ({
  ...galleryId(galleryRef(ref)),
  types: [
    ['galleries', ref.gallery],
    ['images', ref.name],
  ],
});

/**
 * The identifier (publisher, offer, sku) is unique within a gallery: a marker record keyed by it
 * joins the create batch with an `absent` expectation, so two racing creates cannot both win.
 */
function identifierMarker(
  galleryKey: string,
  identifier: GalleryImageIdentifier,
  id: ResourceId,
  definitionId: string,
): Write {
  return {
    op: 'put',
    record: {
      key: markerKey(galleryKey, identifier),
      kind: 'kiln/galleryimageidentifiers',
      subscription: id.subscription.toLowerCase(),
      resourceGroup: id.resourceGroup!.toLowerCase(),
      parent: null,
      data: { definitionId },
    },
    expect: { absent: true },
  };
}

const markerKey = (galleryKey: string, identifier: GalleryImageIdentifier) =>
  `${galleryKey}/identifiers/${identifier.publisher}/${identifier.offer}/${identifier.sku}`.toLowerCase();

export async function createOrUpdateGalleryImage(
  ctx: DomainContext,
  ref: GalleryImageRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
) {
  checkGalleryImageName(ref.name);
  const gallery = await getGallery(ctx, galleryRef(ref));
  const id = galleryImageId({
    ...ref,
    resourceGroup: gallery.data.resource.id.split('/')[4],
    gallery: gallery.data.resource.name,
  });
  const existing = await getResource<GalleryImage, Record<string, never>>(ctx, id);
  checkConditions(conditions, existing?.etag);
  const spec = validateGalleryImageBody(ctx, body);
  if (spec.location !== gallery.data.resource.location) {
    throw new ArmError(
      400,
      'InvalidParameter',
      `The image definition must be in its gallery's region '${gallery.data.resource.location}', not '${spec.location}'.`,
      'location',
    );
  }
  if (existing) return replaceGalleryImage(ctx, existing, spec);

  await checkQuota(ctx, 'galleryImages', ref.subscription, spec.location);
  const image: GalleryImage = {
    id: formatResourceId(id),
    name: ref.name,
    type: 'Microsoft.Compute/galleries/images',
    location: spec.location,
    ...(spec.tags ? { tags: spec.tags } : {}),
    properties: { ...spec.properties, provisioningState: 'Succeeded' },
  };
  try {
    const [stored] = await ctx.store.apply([
      { op: 'put', record: resourceRecord(image, {}), expect: { absent: true } },
      identifierMarker(gallery.key, spec.properties.identifier, id, image.id),
    ]);
    return { status: 201 as const, image, etag: stored.etag };
  } catch (error) {
    if ((error as Error).name !== 'ExpectationFailedError') throw error;
    const { publisher, offer, sku } = spec.properties.identifier;
    throw new ArmError(
      409,
      'Conflict',
      `The gallery '${gallery.data.resource.name}' already has an image definition with identifier publisher '${publisher}', offer '${offer}', sku '${sku}'.`,
      'properties.identifier',
    );
  }
}

/**
 * PUT on an existing definition: only the mutable fields may differ, and `hyperVGeneration` from V1
 * to V2 when the request says `allowUpdateImage` (Azure's upgrade of a definition to Trusted Launch,
 * GalleryRP's GalleryImage_UpdateFeatures example).
 */
async function replaceGalleryImage(
  ctx: DomainContext,
  existing: GalleryImageRecord,
  { properties: next, tags, allowUpdateImage }: Omit<GalleryImageSpec, 'location'>,
) {
  const current = existing.data.resource.properties;
  const upgrade = allowUpdateImage && current.hyperVGeneration === 'V1' && next.hyperVGeneration === 'V2';
  const frozen = (Object.keys({ ...current, ...next }) as Array<keyof typeof current>).filter(
    (field) =>
      field !== 'provisioningState' &&
      !(MUTABLE_FIELDS as readonly string[]).includes(field) &&
      !(upgrade && field === 'hyperVGeneration') &&
      JSON.stringify(current[field]) !== JSON.stringify(next[field as keyof typeof next]),
  );
  refuseFrozen(frozen);
  const image: GalleryImage = {
    ...existing.data.resource,
    tags,
    properties: { ...next, provisioningState: 'Succeeded' },
  };
  if (!tags) delete image.tags;
  const [stored] = await ctx.store.apply([
    { op: 'put', record: resourceRecord(image, {}), expect: { etag: existing.etag } },
  ]);
  return { status: 200 as const, image, etag: stored.etag };
}

function refuseFrozen(fields: string[]): void {
  if (fields.length === 0) return;
  const problems = new Problems();
  for (const field of fields)
    problems.add(
      `properties.${field}`,
      `Changing property 'galleryImage.properties.${field}' is not allowed.`,
      'PropertyChangeNotAllowed',
    );
  problems.throwIfAny();
}

/** PATCH: tags and the mutable fields (recommended, description, end of life, eula, links, disallowed, features). */
export async function updateGalleryImage(
  ctx: DomainContext,
  ref: GalleryImageRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
) {
  const existing = await getGalleryImage(ctx, ref);
  checkConditions(conditions, existing.etag);
  const props = (body.properties && typeof body.properties === 'object' ? body.properties : {}) as Record<
    string,
    unknown
  >;
  const current = existing.data.resource;
  const merged = validateGalleryImageBody(ctx, {
    location: current.location,
    tags: body.tags === undefined ? current.tags : body.tags,
    properties: { ...current.properties, ...props },
  });
  return replaceGalleryImage(ctx, existing, merged);
}

export async function getGalleryImage(ctx: DomainContext, ref: GalleryImageRef): Promise<GalleryImageRecord> {
  return requireResourceUnder<GalleryImage, Record<string, never>>(ctx, galleryImageId(ref), () =>
    getGallery(ctx, galleryRef(ref)),
  );
}

export async function listGalleryImages(ctx: DomainContext, ref: Omit<GalleryImageRef, 'name'>, page: PageRequest) {
  await getGallery(ctx, galleryRef(ref));
  return listResources<GalleryImage>(
    ctx,
    { kind: GALLERY_IMAGE_KIND, parent: resourceKey(galleryId(galleryRef(ref))) },
    page,
  );
}

/** Refused while versions remain, as Azure refuses it. */
export async function deleteGalleryImage(
  ctx: DomainContext,
  ref: GalleryImageRef,
  conditions?: Conditions,
): Promise<boolean> {
  const gallery = await getGallery(ctx, galleryRef(ref));
  const existing = await getResource<GalleryImage, Record<string, never>>(ctx, galleryImageId(ref));
  checkConditions(conditions, existing?.etag);
  if (!existing) return false;
  await refuseWhileNested(ctx, existing.key, 'image versions');
  await ctx.store.apply([
    { op: 'delete', key: existing.key, expect: { etag: existing.etag } },
    { op: 'delete', key: markerKey(gallery.key, existing.data.resource.properties.identifier) },
  ]);
  return true;
}
