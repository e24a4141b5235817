/**
 * The resources directly in a resource group that a complete-mode deployment owns: every top-level
 * ARM resource record of the group (child resources go with their parent; deployments, role
 * assignments and Kiln's own records are not resources the group's template lists).
 */
import type { DomainContext } from '../context.ts';
import type { ResourceRecord } from '../shared/arm-resource.ts';

export async function topLevelResources(
  ctx: DomainContext,
  subscription: string,
  resourceGroup: string,
): Promise<ResourceRecord[]> {
  const records = await ctx.store.list<ResourceRecord['data']>({
    subscription: subscription.toLowerCase(),
    resourceGroup: resourceGroup.toLowerCase(),
    limit: 100_000,
  });
  return records.filter(
    (r) =>
      r.parent === null &&
      r.kind.startsWith('microsoft.') &&
      r.kind.split('/').length === 2 &&
      r.kind !== 'microsoft.resources/deployments' &&
      r.kind !== 'microsoft.resources/resourcegroups',
  ) as ResourceRecord[];
}
