/**
 * Microsoft.Compute/locations/communityGalleries (CommunityGalleries, CommunityGalleryImages,
 * CommunityGalleryImageVersions): one function per REST operation. A community gallery is public:
 * every signed-in principal sees it by its public name (route-action.ts opens these reads), in any
 * subscription it names; a gallery that is not an enabled community gallery is not found.
 */
import type { DomainContext } from '../context.ts';
import type { GalleryRecord } from '../galleries/gallery.ts';
import type { Publication } from '../shared-galleries/pir-view.ts';
import {
  getPublishedImage,
  getPublishedVersion,
  listPublishedImages,
  listPublishedVersions,
  type FoundGallery,
} from '../shared-galleries/published-artifacts.ts';
import { communityName, galleriesWhere, notPublished, regionOf, seenIn } from '../shared-galleries/published.ts';
import { requireSubscription } from '../shared/scope.ts';

export interface CommunityGalleryRef {
  subscription: string;
  location: string;
  publicGalleryName: string;
}
export interface CommunityImageRef extends CommunityGalleryRef {
  galleryImageName: string;
}
export interface CommunityVersionRef extends CommunityImageRef {
  galleryImageVersionName: string;
}

const TYPES = {
  image: 'Microsoft.Compute/locations/communityGalleryImage',
  version: 'Microsoft.Compute/locations/communityGalleryImageVersion',
};

async function findCommunity(ctx: DomainContext, ref: CommunityGalleryRef): Promise<FoundGallery & { name: string }> {
  requireSubscription(ctx, ref.subscription);
  const region = regionOf(ctx, ref.location);
  const [gallery] = await galleriesWhere(ctx, (g) => communityName(g, ref.publicGalleryName) !== undefined);
  if (!gallery || !(await seenIn(ctx, gallery, region))) throw notPublished('community gallery', ref.publicGalleryName);
  const name = communityName(gallery, ref.publicGalleryName)!;
  const at: Publication = { root: `/CommunityGalleries/${name}`, region, types: TYPES };
  return { gallery, name, region, at, kind: 'community gallery' };
}

function communityGallery(gallery: GalleryRecord, name: string, region: string) {
  const info = gallery.data.resource.properties.sharingProfile!.communityGalleryInfo!;
  return {
    name,
    location: region,
    type: 'Microsoft.Compute/locations/communityGallery',
    identifier: { uniqueId: `/CommunityGalleries/${name}` },
    properties: {
      artifactTags: {},
      communityMetadata: {
        publisherUri: info.publisherUri,
        publisherContact: info.publisherContact,
        eula: info.eula,
        publicNames: info.publicNames ?? [],
      },
    },
  };
}

export async function getCommunityGallery(ctx: DomainContext, ref: CommunityGalleryRef) {
  const { gallery, name, region } = await findCommunity(ctx, ref);
  return communityGallery(gallery, name, region);
}

export const listCommunityGalleryImages = async (ctx: DomainContext, ref: CommunityGalleryRef) =>
  listPublishedImages(ctx, await findCommunity(ctx, ref));

export const getCommunityGalleryImage = async (ctx: DomainContext, ref: CommunityImageRef) =>
  getPublishedImage(ctx, await findCommunity(ctx, ref), ref.galleryImageName);

export const listCommunityGalleryImageVersions = async (ctx: DomainContext, ref: CommunityImageRef) =>
  listPublishedVersions(ctx, await findCommunity(ctx, ref), ref.galleryImageName);

export const getCommunityGalleryImageVersion = async (ctx: DomainContext, ref: CommunityVersionRef) =>
  getPublishedVersion(ctx, await findCommunity(ctx, ref), ref.galleryImageName, ref.galleryImageVersionName);
