/**
 * A community gallery image or version named as a source (`storageProfile.source.communityGalleryImageId`
 * of a version, `imageReference.communityGalleryImageId` of a VM): what a community gallery shows, it
 * shows to everyone (shared-galleries/published-source.ts).
 */
import type { DomainContext } from '../context.ts';
import type { GalleryImageVersionRecord } from '../gallery-image-versions/gallery-image-version.ts';
import { COMMUNITY_PUBLISHER, findPublishedVersion } from '../shared-galleries/published-source.ts';

export const findCommunityVersion = (
  ctx: DomainContext,
  communityGalleryImageId: string,
  region: string,
  target: string,
): Promise<GalleryImageVersionRecord> =>
  findPublishedVersion(ctx, COMMUNITY_PUBLISHER, communityGalleryImageId, region, target);
