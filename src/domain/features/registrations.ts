/**
 * Microsoft.Features/featureProviders/subscriptionFeatureRegistrations (`az feature registration`):
 * the same registration as the feature's (feature.ts), shown in the 2021-07-01 model. PUT registers
 * (auto-approved, so Registered at once) and keeps what the model lets a caller set (`metadata`,
 * `description`, `shouldFeatureDisplayInPortal`; read-only fields are ignored, as ARM does); DELETE
 * removes the registration, after which the feature reads NotRegistered again.
 */
import { Problems } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import { requireNamespace } from '../providers/namespaces.ts';
import { requireSubscription } from '../shared/scope.ts';
import { isObject } from '../shared/validate.ts';
import {
  featureKey,
  listFeatureData,
  notRegistered,
  readFeature,
  resolveFeature,
  type FeatureData,
  type FeatureRef,
  type FeatureState,
} from './feature.ts';
import { setFeatureState } from './operations.ts';

/** A recorded registration, or the NotRegistered feature of one not recorded. */
type Shown = Omit<Partial<FeatureData>, 'state'> & Pick<FeatureData, 'namespace' | 'name'> & { state: FeatureState };

function registrationView(ctx: DomainContext, subscription: string, feature: Shown) {
  return {
    id: `/subscriptions/${subscription}/providers/Microsoft.Features/featureProviders/${feature.namespace}/subscriptionFeatureRegistrations/${feature.name}`,
    name: feature.name,
    type: 'Microsoft.Features/featureProviders/subscriptionFeatureRegistrations',
    properties: {
      tenantId: ctx.settings.tenantId,
      subscriptionId: subscription,
      featureName: feature.name,
      displayName: feature.name,
      providerNamespace: feature.namespace,
      state: feature.state,
      authorizationProfile: {},
      ...(feature.metadata ? { metadata: feature.metadata } : {}),
      ...(feature.registrationDate ? { registrationDate: feature.registrationDate } : {}),
      approvalType: 'AutoApproval',
      shouldFeatureDisplayInPortal: feature.shouldFeatureDisplayInPortal ?? false,
      ...(feature.description !== undefined ? { description: feature.description } : {}),
    },
  };
}

export async function getRegistration(ctx: DomainContext, ref: FeatureRef) {
  const feature = resolveFeature(ctx, ref);
  return registrationView(ctx, feature.subscription, (await readFeature(ctx, feature)) ?? notRegistered(feature));
}

export async function listRegistrations(ctx: DomainContext, subscription: string, namespace?: string) {
  const { id } = requireSubscription(ctx, subscription);
  const served = namespace === undefined ? undefined : requireNamespace(namespace).namespace;
  return (await listFeatureData(ctx, id, served)).map((feature) => registrationView(ctx, id, feature));
}

/** The fields of `properties` a caller may set, each checked at its JSON path. */
function settable(body: Record<string, unknown>): Partial<FeatureData> {
  const problems = new Problems();
  const properties = body.properties ?? {};
  if (!isObject(properties)) {
    problems.add('properties', "The 'properties' property must be an object.");
    problems.throwIfAny();
    return {};
  }
  const { metadata, description, shouldFeatureDisplayInPortal } = properties;
  const text = (value: unknown, target: string) =>
    typeof value === 'string' && value.length <= 1000
      ? value
      : void problems.add(target, `'${target}' must be a string of at most 1000 characters.`);
  const fields: Partial<FeatureData> = {};
  if (metadata !== undefined) {
    if (!isObject(metadata)) problems.add('properties.metadata', "'properties.metadata' must be an object of strings.");
    else {
      for (const [key, value] of Object.entries(metadata)) text(value, `properties.metadata.${key}`);
      fields.metadata = metadata as Record<string, string>;
    }
  }
  if (description !== undefined) fields.description = text(description, 'properties.description');
  if (shouldFeatureDisplayInPortal !== undefined) {
    if (typeof shouldFeatureDisplayInPortal !== 'boolean')
      problems.add(
        'properties.shouldFeatureDisplayInPortal',
        "'properties.shouldFeatureDisplayInPortal' must be true or false.",
      );
    else fields.shouldFeatureDisplayInPortal = shouldFeatureDisplayInPortal;
  }
  problems.throwIfAny();
  return fields;
}

export async function putRegistration(ctx: DomainContext, ref: FeatureRef, body: Record<string, unknown>) {
  const fields = settable(body);
  const feature = resolveFeature(ctx, ref);
  await setFeatureState(ctx, feature, 'Registered', fields);
  return getRegistration(ctx, feature);
}

/** Whether there was a registration to delete (200) or not (204). */
export async function deleteRegistration(ctx: DomainContext, ref: FeatureRef): Promise<boolean> {
  const feature = resolveFeature(ctx, ref);
  if (!(await readFeature(ctx, feature))) return false;
  await ctx.store.apply([{ op: 'delete', key: featureKey(feature) }]);
  return true;
}
