/**
 * The galleries that principals of other subscriptions see without any role on them, and what of
 * each they see: direct shared galleries (permission Groups, the subscription or tenant in a group)
 * and community galleries (permission Community, enabled). A private gallery is seen by nobody here.
 * Shared or community, a gallery and its image definitions are seen in its own region and every region
 * a version of it is replicated to; a version in each region it targets, once it has succeeded.
 */
import { ArmError } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import { GALLERY_KIND, type GalleryRecord } from '../galleries/gallery.ts';
import {
  GALLERY_IMAGE_VERSION_KIND,
  compareVersions,
  type GalleryImageVersionRecord,
} from '../gallery-image-versions/gallery-image-version.ts';
import { GALLERY_IMAGE_KIND, type GalleryImageRecord } from '../gallery-images/gallery-image.ts';
import { findRegion } from '../shared/scope.ts';
import { isExcludedFromLatest } from '../gallery-image-versions/latest.ts';

const ALL = 1_000_000;

/** Every gallery the predicate picks, in every subscription. */
export async function galleriesWhere(
  ctx: DomainContext,
  picked: (gallery: GalleryRecord) => boolean,
): Promise<GalleryRecord[]> {
  const galleries = (await ctx.store.list({ kind: GALLERY_KIND, limit: ALL })) as GalleryRecord[];
  return galleries.filter(picked);
}

/** Whether the gallery is shared with the subscription, or (`tenant`) with the installation's tenant. */
export function sharedWith(ctx: DomainContext, gallery: GalleryRecord, subscription: string, tenant: boolean) {
  const profile = gallery.data.resource.properties.sharingProfile;
  if (profile?.permissions !== 'Groups') return false;
  const [type, id] = tenant ? ['AADTenants', ctx.settings.tenantId] : ['Subscriptions', subscription];
  return profile.groups.some((g) => g.type === type && g.ids.some((i) => i.toLowerCase() === id.toLowerCase()));
}

/** The public name a community gallery answers to, when it is one (enabled, permission Community). */
export function communityName(gallery: GalleryRecord, publicName: string): string | undefined {
  const profile = gallery.data.resource.properties.sharingProfile;
  const info = profile?.communityGalleryInfo;
  if (profile?.permissions !== 'Community' || !info?.communityGalleryEnabled) return undefined;
  return info.publicNames?.find((n) => n.toLowerCase() === publicName.toLowerCase());
}

/** The region a `{location}` path segment names (404 for one Kiln does not have, as a gallery there could not be). */
export function regionOf(ctx: DomainContext, location: string): string {
  const region = findRegion(ctx, location);
  if (!region)
    throw new ArmError(
      404,
      'LocationNotFound',
      `The location '${location}' is not one of this installation's regions.`,
    );
  return region.name;
}

export async function imagesOf(ctx: DomainContext, gallery: GalleryRecord): Promise<GalleryImageRecord[]> {
  return (await ctx.store.list({ kind: GALLERY_IMAGE_KIND, parent: gallery.key, limit: ALL })) as GalleryImageRecord[];
}

/** The image's versions seen in `region`: replicated there and succeeded, by version number. */
export async function versionsIn(
  ctx: DomainContext,
  image: GalleryImageRecord,
  region: string,
): Promise<GalleryImageVersionRecord[]> {
  const versions = (await ctx.store.list({
    kind: GALLERY_IMAGE_VERSION_KIND,
    parent: image.key,
    limit: ALL,
  })) as GalleryImageVersionRecord[];
  return versions
    .filter(
      (v) =>
        v.data.resource.properties.provisioningState === 'Succeeded' &&
        v.data.resource.properties.publishingProfile.targetRegions.some((t) => t.name === region),
    )
    .sort((a, b) => compareVersions(a.data.resource.name, b.data.resource.name));
}

/** Whether the gallery is seen in `region`: its own, or one a version of it is replicated to. */
export async function seenIn(ctx: DomainContext, gallery: GalleryRecord, region: string): Promise<boolean> {
  if (gallery.data.resource.location === region) return true;
  for (const image of await imagesOf(ctx, gallery)) if ((await versionsIn(ctx, image, region)).length > 0) return true;
  return false;
}

/** ARM's 404 for a gallery, image or version these views do not show, whether or not it exists. */
export function notPublished(kind: string, name: string): ArmError {
  return new ArmError(404, 'ResourceNotFound', `The ${kind} '${name}' was not found.`);
}

/** The image's version `name` seen in `region`, or its latest there (`latest`: the highest not excluded from latest). */
export async function versionSeenIn(
  ctx: DomainContext,
  image: GalleryImageRecord,
  region: string,
  name: string,
): Promise<GalleryImageVersionRecord | undefined> {
  const versions = await versionsIn(ctx, image, region);
  if (name.toLowerCase() !== 'latest') return versions.find((v) => v.data.resource.name === name);
  return versions.filter((v) => !isExcludedFromLatest(v, region)).at(-1);
}
