/** `latest` in a version id: the highest version not excluded from latest (in a region, when one is given). */
import { ArmError } from '../../core/arm-error.ts';
import { formatResourceId, resourceKey, type ResourceId } from '../../core/resource-id.ts';
import type { DomainContext } from '../context.ts';
import { resourceNotFound } from '../shared/arm-resource.ts';
import { versionsOf, compareVersions, type GalleryImageVersionRecord } from './gallery-image-version.ts';

export async function resolveLatest(
  ctx: DomainContext,
  id: ResourceId,
  target: string,
  region?: string,
): Promise<GalleryImageVersionRecord> {
  const name = id.types[2][1];
  if (name.toLowerCase() !== 'latest') {
    const record = await ctx.store.get<GalleryImageVersionRecord['data']>(resourceKey(id));
    if (!record) throw new ArmError(404, 'NotFound', resourceNotFound(id).message, target);
    return record as GalleryImageVersionRecord;
  }
  const definitionKey = resourceKey({ ...id, types: id.types.slice(0, 2) });
  const versions = await versionsOf(ctx.store, definitionKey);
  const eligible = versions
    .filter((v) => v.data.resource.properties.provisioningState === 'Succeeded')
    .filter((v) => !isExcludedFromLatest(v, region))
    .sort((a, b) => compareVersions(b.data.resource.name, a.data.resource.name));
  if (eligible.length === 0) {
    throw new ArmError(
      404,
      'NotFound',
      `The image definition '${formatResourceId({ ...id, types: id.types.slice(0, 2) })}' has no version that 'latest' can resolve to${region ? ` in region '${region}'` : ''}.`,
      target,
    );
  }
  return eligible[0];
}

export function isExcludedFromLatest(version: GalleryImageVersionRecord, region?: string): boolean {
  const profile = version.data.resource.properties.publishingProfile;
  if (profile.excludeFromLatest) return true;
  if (!region) return false;
  const target = profile.targetRegions.find((t) => t.name === region);
  return !target || target.excludeFromLatest;
}
