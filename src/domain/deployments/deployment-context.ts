/**
 * The facts a deployment's expressions read (its name, subscription, group, tenant, template), made
 * from the stores, the same at its PUT, its validation and every step of its run.
 */
import { resourceGroupId } from '../../core/resource-id.ts';
import type { DomainContext } from '../context.ts';
import { requireResourceGroup, requireSubscription } from '../shared/scope.ts';
import type { DeploymentRef } from './deployment.ts';
import type { DeploymentFacts } from './template/template-scope.ts';

export async function deploymentFacts(
  ctx: DomainContext,
  ref: DeploymentRef,
  request: { template: Record<string, unknown>; mode: string; location?: string; templateLink?: unknown },
): Promise<DeploymentFacts> {
  const subscription = requireSubscription(ctx, ref.subscription);
  const group =
    ref.resourceGroup !== undefined ? await requireResourceGroup(ctx, ref.subscription, ref.resourceGroup) : undefined;
  return {
    name: ref.name,
    subscription: {
      id: `/subscriptions/${subscription.id}`,
      subscriptionId: subscription.id,
      tenantId: ctx.settings.tenantId,
      displayName: subscription.displayName,
    },
    ...(group
      ? {
          resourceGroup: {
            ...group.data.resource,
            id: resourceGroupId(subscription.id, group.data.resource.name),
          },
        }
      : {}),
    tenantId: ctx.settings.tenantId,
    ...(request.location !== undefined ? { location: request.location } : {}),
    mode: request.mode,
    template: request.template,
    ...(request.templateLink !== undefined ? { templateLink: request.templateLink } : {}),
  };
}
