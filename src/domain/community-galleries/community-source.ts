/**
 * A community gallery image or version named as a source (`storageProfile.source.communityGalleryImageId`
 * of a version): `/CommunityGalleries/{publicName}/Images/{image}` for its latest version, or
 * `.../Versions/{version}` (`latest` too), any case. What a community gallery shows, it shows to
 * everyone: the version is found as the community views find it (an enabled community gallery, the
 * version replicated to `region` and succeeded), with no role on the publisher's gallery asked for.
 */
import { ArmError } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import { compareVersions, type GalleryImageVersionRecord } from '../gallery-image-versions/gallery-image-version.ts';
import { isExcludedFromLatest } from '../gallery-image-versions/latest.ts';
import { communityName, galleriesWhere, imagesOf, versionsIn } from '../shared-galleries/published.ts';

const ID = /^\/communityGalleries\/([^/]+)\/images\/([^/]+)(?:\/versions\/([^/]+))?$/i;

export async function findCommunityVersion(
  ctx: DomainContext,
  communityGalleryImageId: string,
  region: string,
  target: string,
): Promise<GalleryImageVersionRecord> {
  const parts = ID.exec(communityGalleryImageId);
  if (!parts)
    throw new ArmError(
      400,
      'InvalidParameter',
      `'${communityGalleryImageId}' at '${target}' is not a community gallery image id: /CommunityGalleries/{publicName}/Images/{image}[/Versions/{version}].`,
      target,
    );
  const [, publicName, imageName, versionName = 'latest'] = parts;
  const notFound = (what: string) =>
    new ArmError(404, 'NotFound', `The community gallery ${what} '${communityGalleryImageId}' was not found.`, target);
  const [gallery] = await galleriesWhere(ctx, (g) => communityName(g, publicName) !== undefined);
  const image = gallery
    ? (await imagesOf(ctx, gallery)).find((i) => i.data.resource.name.toLowerCase() === imageName.toLowerCase())
    : undefined;
  if (!image) throw notFound('image');
  const versions = await versionsIn(ctx, image, region);
  const version =
    versionName.toLowerCase() === 'latest'
      ? versions
          .filter((v) => !isExcludedFromLatest(v, region))
          .sort((a, b) => compareVersions(b.data.resource.name, a.data.resource.name))[0]
      : versions.find((v) => v.data.resource.name === versionName);
  if (!version) throw notFound(`image version in '${region}'`);
  return version;
}
