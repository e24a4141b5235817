/** Per-subscription, per-region resource quotas, as Azure Compute Gallery enforces them. */
import { ArmError } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import type { ResourceData } from './arm-resource.ts';

export type QuotaName = 'galleries' | 'galleryImages' | 'galleryImageVersions';

export const DEFAULT_QUOTAS: Record<QuotaName, number> = {
  galleries: 10,
  galleryImages: 200,
  galleryImageVersions: 2000,
};

const KINDS: Record<QuotaName, string> = {
  galleries: 'microsoft.compute/galleries',
  galleryImages: 'microsoft.compute/galleries/images',
  galleryImageVersions: 'microsoft.compute/galleries/images/versions',
};

/** Refuses the next create when the subscription already has `limit` resources of the kind in the region. */
export async function checkQuota(
  ctx: DomainContext,
  quota: QuotaName,
  subscription: string,
  location: string,
): Promise<void> {
  const limit = ctx.settings.quotas?.[quota] ?? DEFAULT_QUOTAS[quota];
  const existing = await ctx.store.list<ResourceData>({
    kind: KINDS[quota],
    subscription: subscription.toLowerCase(),
    limit: 1_000_000,
  });
  const used = existing.filter((r) => r.data.resource.location === location).length;
  if (used >= limit) {
    throw new ArmError(
      409,
      'QuotaExceeded',
      `Operation results in exceeding quota limits of resource type '${quota}' in region '${location}': the subscription already has ${used} of its limit of ${limit}. Delete some, or raise the limit ('quotas.${quota}' in Kiln's config.json).`,
    );
  }
}
