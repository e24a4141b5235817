/** Microsoft.Features/providers/features: get, list (all, or a namespace's), register, unregister (`az feature`). */
import type { DomainContext } from '../context.ts';
import { requireNamespace } from '../providers/namespaces.ts';
import { requireSubscription } from '../shared/scope.ts';
import {
  featureView,
  listFeatureData,
  notRegistered,
  readFeature,
  resolveFeature,
  writeFeature,
  type FeatureData,
  type FeatureRef,
} from './feature.ts';

export async function getFeature(ctx: DomainContext, ref: FeatureRef) {
  const feature = resolveFeature(ctx, ref);
  return featureView(feature.subscription, (await readFeature(ctx, feature)) ?? notRegistered(feature));
}

export async function listFeatures(ctx: DomainContext, subscription: string, namespace?: string) {
  const { id } = requireSubscription(ctx, subscription);
  const served = namespace === undefined ? undefined : requireNamespace(namespace).namespace;
  return (await listFeatureData(ctx, id, served)).map((feature) => featureView(id, feature));
}

/**
 * Records the feature in `state`, keeping how it was first spelled and what its registration was given,
 * with `fields` (a registration's PUT) over those, and answers it as a feature.
 */
export async function setFeatureState(
  ctx: DomainContext,
  ref: FeatureRef,
  state: FeatureData['state'],
  fields: Partial<FeatureData> = {},
) {
  const feature = resolveFeature(ctx, ref);
  const stored = await readFeature(ctx, feature);
  const data: FeatureData = {
    ...stored,
    ...fields,
    namespace: feature.namespace,
    name: stored?.name ?? feature.name,
    state,
    registrationDate: ctx.clock.now().toISOString(),
  };
  await writeFeature(ctx, feature, data);
  return featureView(feature.subscription, data);
}
