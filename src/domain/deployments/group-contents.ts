/**
 * The resources directly in a resource group that a complete-mode deployment owns: the group's
 * top-level tracked resources (children go with their parent; deployments, role assignments and
 * Kiln's own records are not resources a group's template lists).
 */
import type { DomainContext } from '../context.ts';
import { allTrackedResources } from '../resources/all-resources.ts';

export async function topLevelResources(ctx: DomainContext, subscription: string, resourceGroup: string) {
  return (await allTrackedResources(ctx, subscription, resourceGroup)).filter((record) => record.parent === null);
}
