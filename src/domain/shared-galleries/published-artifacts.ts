/**
 * A found shared or community gallery's image definitions and versions, as both views answer them:
 * the one place the two families of operations differ from each other only in how they find the gallery.
 */
import type { DomainContext } from '../context.ts';
import type { GalleryRecord } from '../galleries/gallery.ts';
import { pirImage, pirVersion, type Publication } from './pir-view.ts';
import { imagesOf, notPublished, versionsIn } from './published.ts';

/** A gallery a view found for its caller, the region asked about, and how the view names what it shows. */
export interface FoundGallery {
  gallery: GalleryRecord;
  region: string;
  at: Publication;
  /** `shared gallery` or `community gallery`, as the view's 404s name what they did not find. */
  kind: string;
}

export async function listPublishedImages(ctx: DomainContext, found: FoundGallery) {
  return { value: (await imagesOf(ctx, found.gallery)).map((image) => pirImage(image, found.at)) };
}

async function findImage(ctx: DomainContext, found: FoundGallery, name: string) {
  const image = (await imagesOf(ctx, found.gallery)).find(
    (i) => i.data.resource.name.toLowerCase() === name.toLowerCase(),
  );
  if (!image) throw notPublished(`${found.kind} image`, name);
  return image;
}

export async function getPublishedImage(ctx: DomainContext, found: FoundGallery, name: string) {
  return pirImage(await findImage(ctx, found, name), found.at);
}

export async function listPublishedVersions(ctx: DomainContext, found: FoundGallery, imageName: string) {
  const image = await findImage(ctx, found, imageName);
  const versions = await versionsIn(ctx, image, found.region);
  return { value: versions.map((v) => pirVersion(v, image.data.resource.name, found.at)) };
}

export async function getPublishedVersion(ctx: DomainContext, found: FoundGallery, imageName: string, name: string) {
  const image = await findImage(ctx, found, imageName);
  const version = (await versionsIn(ctx, image, found.region)).find((v) => v.data.resource.name === name);
  if (!version) throw notPublished(`${found.kind} image version`, name);
  return pirVersion(version, image.data.resource.name, found.at);
}
