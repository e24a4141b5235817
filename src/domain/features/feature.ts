/**
 * A subscription's registration of one preview feature, and the two ways Azure shows it: as a
 * feature (`providers/{namespace}/features/{name}`, `az feature`) and as a subscription feature
 * registration (`featureProviders/{namespace}/subscriptionFeatureRegistrations/{name}`).
 *
 * Kiln has no catalog of features and nothing behind them: any well-formed name of a namespace Kiln
 * serves is a feature, NotRegistered until a caller registers it. Registering records it Registered at
 * once (Azure's auto-approved features pass through Registering for minutes; nothing here needs to
 * propagate); unregistering records Unregistered. A feature never registered or unregistered has no
 * record, so the lists show what callers registered, not every feature Azure has.
 */
import { ArmError } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import { requireNamespace } from '../providers/namespaces.ts';
import { requireSubscription } from '../shared/scope.ts';

export type FeatureState = 'NotRegistered' | 'Registered' | 'Unregistered';

export interface FeatureData {
  /** As the namespace is spelled in Kiln's type table. */
  namespace: string;
  /** As the first caller to register it spelled it. */
  name: string;
  state: Exclude<FeatureState, 'NotRegistered'>;
  registrationDate: string;
  /** What a subscription feature registration's PUT may set. */
  metadata?: Record<string, string>;
  description?: string;
  shouldFeatureDisplayInPortal?: boolean;
}

/** A feature of a subscription, named by its namespace and name as the route gives them. */
export interface FeatureRef {
  subscription: string;
  namespace: string;
  name: string;
}

export const FEATURE_KIND = 'kiln/featureregistrations';

/** The parent of a namespace's features in a subscription: the store lists them by it. */
export const featuresOf = (subscription: string, namespace: string) =>
  `/subscriptions/${subscription}/featureregistrations/${namespace}`.toLowerCase();

export const featureKey = ({ subscription, namespace, name }: FeatureRef) =>
  `${featuresOf(subscription, namespace)}/${name}`.toLowerCase();

/** Azure's feature names: letters, digits, dots, dashes and underscores (`EncryptionAtHost`, `AKS-GitOps`). */
const FEATURE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,259}$/;

/** The ref with the subscription and namespace spelled as configured, once both exist and the name is well formed. */
export function resolveFeature(ctx: DomainContext, ref: FeatureRef): FeatureRef {
  const { id } = requireSubscription(ctx, ref.subscription);
  const { namespace } = requireNamespace(ref.namespace);
  if (!FEATURE_NAME.test(ref.name))
    throw new ArmError(
      400,
      'InvalidFeatureName',
      `The feature name '${ref.name}' is invalid: it takes 1 to 260 letters, digits, '.', '-' and '_', starting with a letter or digit.`,
      'featureName',
    );
  return { subscription: id, namespace, name: ref.name };
}

export async function readFeature(ctx: DomainContext, ref: FeatureRef): Promise<FeatureData | undefined> {
  return (await ctx.store.get<FeatureData>(featureKey(ref)))?.data;
}

export async function writeFeature(ctx: DomainContext, ref: FeatureRef, data: FeatureData): Promise<void> {
  await ctx.store.apply([
    {
      op: 'put',
      record: {
        key: featureKey(ref),
        kind: FEATURE_KIND,
        subscription: ref.subscription.toLowerCase(),
        resourceGroup: null,
        parent: featuresOf(ref.subscription, ref.namespace),
        data,
      },
    },
  ]);
}

/** The recorded features of a subscription, of one namespace when given, by namespace and name. */
export async function listFeatureData(
  ctx: DomainContext,
  subscription: string,
  namespace?: string,
): Promise<FeatureData[]> {
  const records = await ctx.store.list<FeatureData>({
    kind: FEATURE_KIND,
    ...(namespace ? { parent: featuresOf(subscription, namespace) } : { subscription: subscription.toLowerCase() }),
    limit: 100_000,
  });
  const order = (f: FeatureData) => `${f.namespace}/${f.name}`.toLowerCase();
  return records.map((r) => r.data).sort((a, b) => order(a).localeCompare(order(b)));
}

/** What a feature not recorded reads as. */
export const notRegistered = (ref: FeatureRef) => ({
  namespace: ref.namespace,
  name: ref.name,
  state: 'NotRegistered' as const,
});

/** `az feature show`: `{namespace}/{name}`, its state. */
export function featureView(
  subscription: string,
  feature: Pick<FeatureData, 'namespace' | 'name'> & { state: FeatureState },
) {
  return {
    id: `/subscriptions/${subscription}/providers/Microsoft.Features/providers/${feature.namespace}/features/${feature.name}`,
    name: `${feature.namespace}/${feature.name}`,
    type: 'Microsoft.Features/providers/features',
    properties: { state: feature.state },
  };
}
