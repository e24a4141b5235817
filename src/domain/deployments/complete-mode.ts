/**
 * Complete mode, as ARM does it: once everything the template names is deployed, every other
 * top-level resource of the group is deleted, through its provider as the deployment's principal
 * (each a `Delete` deployment operation, with the newest api-version Kiln serves for its type).
 * What nested deployments of this one made in the same group counts as named by the template.
 * Deletions go in tiers, each after the one before, so nothing is deleted while something still
 * holds it: VMs first, then their network interfaces, then the rest.
 */
import { resourceKey } from '../../core/resource-id.ts';
import type { DomainContext } from '../context.ts';
import { RESOURCE_TYPES } from '../resource-types.ts';
import type { Deployment, DeploymentInternal, DeploymentRecord } from './deployment.ts';
import { topLevelResources } from './group-contents.ts';
import type { PlannedResource } from './template/plan.ts';

export async function plannedDeletions(
  ctx: DomainContext,
  deployment: Deployment,
  internal: DeploymentInternal,
): Promise<PlannedResource[]> {
  const [, , subscription, , resourceGroup] = deployment.id.split('/');
  const kept = new Set(internal.plan.map((p) => resourceKey(p.id)));
  for (const nested of internal.plan.filter((p) => p.deployment)) {
    const record = await ctx.store.get<DeploymentRecord['data']>(resourceKey(nested.id));
    for (const made of record?.data.resource.properties.outputResources ?? []) kept.add(resourceKey(made.id));
  }
  const leftovers = (await topLevelResources(ctx, subscription, resourceGroup)).filter((r) => !kept.has(r.key));
  const deletions: PlannedResource[] = [];
  let before = internal.plan.map((p) => p.key);
  for (const tier of [...TIERS, undefined]) {
    const inTier = leftovers.filter((r) => (tier === undefined ? !TIERS.includes(r.kind) : r.kind === tier));
    const planned = inTier.map((record): PlannedResource => {
      const { id, name, type } = record.data.resource;
      return {
        key: `delete:${record.key}`,
        path: 'properties.mode',
        loops: [],
        id,
        type,
        name,
        apiVersion: newestApiVersion(type),
        dependsOn: before,
        deletes: true,
      };
    });
    deletions.push(...planned);
    if (planned.length > 0) before = planned.map((p) => p.key);
  }
  return deletions;
}

/** Kinds deleted before the others, in this order: what holds other resources goes first. */
const TIERS = ['microsoft.compute/virtualmachines', 'microsoft.network/networkinterfaces'];

function newestApiVersion(type: string): string {
  const descriptor = RESOURCE_TYPES.find((t) => t.type.toLowerCase() === type.toLowerCase());
  const stable = descriptor?.apiVersions.filter((v) => !v.includes('preview')) ?? [];
  return stable.at(-1) ?? descriptor?.apiVersions.at(-1) ?? '2021-04-01';
}
