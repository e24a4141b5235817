/**
 * Microsoft.Compute/locations/sharedGalleries (SharedGalleries, SharedGalleryImages,
 * SharedGalleryImageVersions): one function per REST operation. What a subscription sees follows the
 * galleries' sharing profiles (published.ts): the caller needs read in the subscription it asks for
 * (the route's action), never a role on the gallery, and a gallery not shared with it is not found.
 */
import { badRequest } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import type { GalleryRecord } from '../galleries/gallery.ts';
import type { Page } from '../shared/paging.ts';
import { requireSubscription } from '../shared/scope.ts';
import type { Publication } from './pir-view.ts';
import {
  getPublishedImage,
  getPublishedVersion,
  listPublishedImages,
  listPublishedVersions,
  type FoundGallery,
} from './published-artifacts.ts';
import { galleriesWhere, notPublished, regionOf, seenIn, sharedWith } from './published.ts';

export interface SharedLocationRef {
  subscription: string;
  location: string;
}
export interface SharedGalleryRef extends SharedLocationRef {
  galleryUniqueName: string;
}
export interface SharedImageRef extends SharedGalleryRef {
  galleryImageName: string;
}
export interface SharedVersionRef extends SharedImageRef {
  galleryImageVersionName: string;
}

const sharedGallery = (gallery: GalleryRecord, region: string) => {
  const uniqueName = gallery.data.resource.properties.identifier.uniqueName;
  return {
    name: uniqueName,
    location: region,
    identifier: { uniqueId: `/SharedGalleries/${uniqueName}` },
    properties: { artifactTags: {} },
  };
};

/** `sharedTo`: absent (shared with the subscription) or `tenant` (shared with its tenant). */
function sharedToTenant(sharedTo: unknown): boolean {
  if (sharedTo === undefined || sharedTo === '') return false;
  if (typeof sharedTo === 'string' && sharedTo.toLowerCase() === 'tenant') return true;
  throw badRequest(
    'InvalidParameter',
    `The value '${String(sharedTo)}' of 'sharedTo' is not valid. Allowed values: tenant.`,
    'sharedTo',
  );
}

export async function listSharedGalleries(
  ctx: DomainContext,
  ref: SharedLocationRef,
  sharedTo: unknown,
): Promise<Page<ReturnType<typeof sharedGallery>>> {
  requireSubscription(ctx, ref.subscription);
  const tenant = sharedToTenant(sharedTo);
  const region = regionOf(ctx, ref.location);
  const shared = await galleriesWhere(ctx, (g) => sharedWith(ctx, g, ref.subscription, tenant));
  const seen = await Promise.all(shared.map((g) => seenIn(ctx, g, region)));
  return { value: shared.filter((_, i) => seen[i]).map((g) => sharedGallery(g, region)) };
}

/** The gallery the unique name names, shared with the subscription or its tenant and seen in the location. */
async function findShared(ctx: DomainContext, ref: SharedGalleryRef): Promise<FoundGallery> {
  requireSubscription(ctx, ref.subscription);
  const region = regionOf(ctx, ref.location);
  const wanted = ref.galleryUniqueName.toLowerCase();
  const [gallery] = await galleriesWhere(
    ctx,
    (g) =>
      g.data.resource.properties.identifier.uniqueName.toLowerCase() === wanted &&
      (sharedWith(ctx, g, ref.subscription, false) || sharedWith(ctx, g, ref.subscription, true)),
  );
  if (!gallery || !(await seenIn(ctx, gallery, region))) throw notPublished('shared gallery', ref.galleryUniqueName);
  const at: Publication = {
    root: `/SharedGalleries/${gallery.data.resource.properties.identifier.uniqueName}`,
    region,
  };
  return { gallery, region, at, kind: 'shared gallery' };
}

export async function getSharedGallery(ctx: DomainContext, ref: SharedGalleryRef) {
  const { gallery, region } = await findShared(ctx, ref);
  return sharedGallery(gallery, region);
}

export const listSharedGalleryImages = async (ctx: DomainContext, ref: SharedGalleryRef) =>
  listPublishedImages(ctx, await findShared(ctx, ref));

export const getSharedGalleryImage = async (ctx: DomainContext, ref: SharedImageRef) =>
  getPublishedImage(ctx, await findShared(ctx, ref), ref.galleryImageName);

export const listSharedGalleryImageVersions = async (ctx: DomainContext, ref: SharedImageRef) =>
  listPublishedVersions(ctx, await findShared(ctx, ref), ref.galleryImageName);

export const getSharedGalleryImageVersion = async (ctx: DomainContext, ref: SharedVersionRef) =>
  getPublishedVersion(ctx, await findShared(ctx, ref), ref.galleryImageName, ref.galleryImageVersionName);
