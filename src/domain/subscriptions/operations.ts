/** Microsoft.Resources subscriptions, tenants and locations: read-only views of the configuration. */
import type { DomainContext } from '../context.ts';
import { requireSubscription } from '../shared/scope.ts';

export function subscriptionView(ctx: DomainContext, id: string) {
  const subscription = requireSubscription(ctx, id);
  return {
    id: `/subscriptions/${subscription.id}`,
    authorizationSource: 'RoleBased',
    managedByTenants: [],
    subscriptionId: subscription.id,
    tenantId: ctx.settings.tenantId,
    displayName: subscription.displayName,
    state: 'Enabled',
    subscriptionPolicies: {
      locationPlacementId: 'Public_2014-09-01',
      quotaId: 'Kiln_2024-01-01',
      spendingLimit: 'Off',
    },
  };
}

export function listSubscriptions(ctx: DomainContext) {
  return ctx.settings.subscriptions.map((s) => subscriptionView(ctx, s.id));
}

export function listTenants(ctx: DomainContext) {
  return [
    {
      id: `/tenants/${ctx.settings.tenantId}`,
      tenantId: ctx.settings.tenantId,
      tenantCategory: 'Home',
      displayName: 'Kiln',
      defaultDomain: 'kiln.local',
      domains: ['kiln.local'],
    },
  ];
}

export function listLocations(ctx: DomainContext, subscription: string) {
  const { id } = requireSubscription(ctx, subscription);
  return ctx.settings.regions.map((r) => ({
    id: `/subscriptions/${id}/locations/${r.name}`,
    name: r.name,
    type: 'Region',
    displayName: r.displayName,
    regionalDisplayName: r.displayName,
    metadata: { regionType: 'Physical', regionCategory: 'Recommended', geographyGroup: 'Kiln' },
  }));
}
