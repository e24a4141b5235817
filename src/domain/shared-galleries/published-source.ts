/**
 * A published gallery image or version named by its public id as a source, as Azure takes them:
 * `/{SharedGalleries|CommunityGalleries}/{gallery}/Images/{image}` for its latest version, or
 * `.../Versions/{version}` (`latest` too), any case. The version is found as the sharedGalleries and
 * communityGalleries views find it (a gallery they show, the version replicated to `region` and
 * succeeded), with no role on the publisher's gallery asked for: what they show, they show to the caller.
 */
import { ArmError } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import type { GalleryRecord } from '../galleries/gallery.ts';
import type { GalleryImageVersionRecord } from '../gallery-image-versions/gallery-image-version.ts';
import { communityName, galleriesWhere, imagesOf, sharedWith, versionSeenIn } from './published.ts';

export interface Publisher {
  /** The id's first segment, e.g. `SharedGalleries`. */
  root: string;
  /** How errors name it, e.g. `shared gallery`. */
  kind: string;
  /** Whether `gallery` is the one the id's gallery segment names, as the caller may see it. */
  names(gallery: GalleryRecord, name: string): boolean;
}

export async function findPublishedVersion(
  ctx: DomainContext,
  publisher: Publisher,
  publishedId: string,
  region: string,
  target: string,
): Promise<GalleryImageVersionRecord> {
  const parts = new RegExp(`^/${publisher.root}/([^/]+)/images/([^/]+)(?:/versions/([^/]+))?$`, 'i').exec(publishedId);
  if (!parts)
    throw new ArmError(
      400,
      'InvalidParameter',
      `'${publishedId}' at '${target}' is not a ${publisher.kind} image id: /${publisher.root}/{gallery}/Images/{image}[/Versions/{version}].`,
      target,
    );
  const [, galleryName, imageName, versionName = 'latest'] = parts;
  const notFound = (what: string) =>
    new ArmError(404, 'NotFound', `The ${publisher.kind} ${what} '${publishedId}' was not found.`, target);
  const [gallery] = await galleriesWhere(ctx, (g) => publisher.names(g, galleryName));
  const image = gallery
    ? (await imagesOf(ctx, gallery)).find((i) => i.data.resource.name.toLowerCase() === imageName.toLowerCase())
    : undefined;
  if (!image) throw notFound('image');
  const version = await versionSeenIn(ctx, image, region, versionName);
  if (!version) throw notFound(`image version in '${region}'`);
  return version;
}

/** Direct shared galleries as `subscription` sees them (shared with it, or with its tenant), by unique name. */
export const sharedPublisher = (ctx: DomainContext, subscription: string): Publisher => ({
  root: 'SharedGalleries',
  kind: 'shared gallery',
  names: (gallery, name) =>
    gallery.data.resource.properties.identifier.uniqueName.toLowerCase() === name.toLowerCase() &&
    (sharedWith(ctx, gallery, subscription, false) || sharedWith(ctx, gallery, subscription, true)),
});

/** Community galleries, seen by everyone, by public name. */
export const COMMUNITY_PUBLISHER: Publisher = {
  root: 'CommunityGalleries',
  kind: 'community gallery',
  names: (gallery, name) => communityName(gallery, name) !== undefined,
};
