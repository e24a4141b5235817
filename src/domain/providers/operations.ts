/**
 * Microsoft.Resources/providers: list, get, register and unregister (registration.ts says what the
 * state means). A provider shows its types as Azure's Provider model does: api-versions newest first
 * (az takes the first stable one as a type's version), the configured regions by display name for types
 * that live in one, `defaultApiVersion` the newest stable version, and the capabilities of tracked
 * resources. At the tenant the same without a registration state.
 */
import type { DomainContext } from '../context.ts';
import { requireSubscription } from '../shared/scope.ts';
import { isRegistrationFree, requireNamespace, SERVED_NAMESPACES, type ServedNamespace } from './namespaces.ts';
import { registrationStates, setRegistration, type RegistrationState } from './registration.ts';

/** Names the provider at a subscription (with its state there) or, without one, at the tenant. */
interface ProviderScope {
  subscription?: string;
  state?: RegistrationState;
}

function providerView(ctx: DomainContext, { namespace, types }: ServedNamespace, scope: ProviderScope) {
  const locations = ctx.settings.regions.map((r) => r.displayName);
  const resourceTypes = types.map((type) => {
    const newestFirst = [...type.apiVersions].reverse();
    return {
      resourceType: type.resourceType,
      locations: type.regional ? locations : [],
      apiVersions: newestFirst,
      defaultApiVersion: newestFirst.find((v) => !v.includes('preview')) ?? newestFirst[0],
      ...(type.tracked ? { capabilities: 'SupportsTags, SupportsLocation' } : {}),
    };
  });
  if (!scope.subscription) return { id: `/providers/${namespace}`, namespace, resourceTypes };
  return {
    id: `/subscriptions/${scope.subscription}/providers/${namespace}`,
    namespace,
    registrationState: scope.state,
    registrationPolicy: isRegistrationFree(namespace) ? 'RegistrationFree' : 'RegistrationRequired',
    resourceTypes,
  };
}

/** `$top` (api-versions before 2021) keeps the first providers. */
export async function listProviders(ctx: DomainContext, subscription: string, top?: number) {
  const { id } = requireSubscription(ctx, subscription);
  const stateOf = await registrationStates(ctx, id);
  return SERVED_NAMESPACES.slice(0, top).map((served) =>
    providerView(ctx, served, { subscription: id, state: stateOf(served.namespace) }),
  );
}

export async function getProvider(ctx: DomainContext, subscription: string, namespace: string) {
  const { id } = requireSubscription(ctx, subscription);
  const served = requireNamespace(namespace);
  const stateOf = await registrationStates(ctx, id);
  return providerView(ctx, served, { subscription: id, state: stateOf(served.namespace) });
}

/** Register or unregister: recorded at once, and the provider answered in its new state. */
export async function changeRegistration(
  ctx: DomainContext,
  subscription: string,
  namespace: string,
  state: RegistrationState,
) {
  const { id } = requireSubscription(ctx, subscription);
  const served = requireNamespace(namespace);
  await setRegistration(ctx, id, served.namespace, state);
  return providerView(ctx, served, { subscription: id, state });
}

export const listTenantProviders = (ctx: DomainContext, top?: number) =>
  SERVED_NAMESPACES.slice(0, top).map((served) => providerView(ctx, served, {}));

export const getTenantProvider = (ctx: DomainContext, namespace: string) =>
  providerView(ctx, requireNamespace(namespace), {});
