/** Microsoft.Compute/galleries/softDeletedArtifactTypes/artifacts/versions: one function per REST operation. */
import { resourceKey } from '../../core/resource-id.ts';
import { badRequest } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import { galleryImageId, getGalleryImage } from '../gallery-images/operations.ts';
import type { Page } from '../shared/paging.ts';
import {
  SOFT_DELETED_VERSION_KIND,
  expired,
  type GallerySoftDeletedResource,
  type SoftDeletedVersionRecord,
} from './soft-deleted-version.ts';

export interface SoftDeletedListRef {
  subscription: string;
  resourceGroup: string;
  gallery: string;
  /** `Images`, the one artifact type Azure soft-deletes. */
  artifactType: string;
  /** The image definition. */
  artifactName: string;
}

/** SoftDeletedResource_ListByArtifactName: the definition's versions kept within their retention. */
export async function listSoftDeletedVersions(
  ctx: DomainContext,
  ref: SoftDeletedListRef,
): Promise<Page<GallerySoftDeletedResource>> {
  if (ref.artifactType.toLowerCase() !== 'images')
    throw badRequest(
      'InvalidParameter',
      `The value '${ref.artifactType}' of 'artifactType' is not valid. Allowed values: Images.`,
      'artifactType',
    );
  const definition = { ...ref, name: ref.artifactName };
  await getGalleryImage(ctx, definition);
  const kept = (await ctx.store.list({
    kind: SOFT_DELETED_VERSION_KIND,
    parent: resourceKey(galleryImageId(definition)),
    limit: 1_000_000,
  })) as SoftDeletedVersionRecord[];
  const now = ctx.clock.now();
  return { value: kept.filter((r) => !expired(r, now)).map((r) => r.data.resource) };
}
