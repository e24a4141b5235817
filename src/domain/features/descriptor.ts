/**
 * Microsoft.Features: preview features (AFEC) a subscription registers for, per namespace, read and
 * registered through `providers/{namespace}/features` (`az feature`) and, since 2021-07-01, through
 * `featureProviders/{namespace}/subscriptionFeatureRegistrations` (`az feature registration`), two
 * views of one registration.
 */
import { apiVersions, type ResourceTypeDescriptor, type ResourceTypeWithPaths } from '../shared/resource-type.ts';

const FEATURES = '/subscriptions/{subscription}/providers/Microsoft.Features';

/** features.json: Microsoft.Features/stable/{2015-12-01,2021-07-01,2025-03-01}; @azure/arm-features 3.1.0 and azure-cli 2.45 send 2021-07-01. */
const FEATURE_API_VERSIONS = apiVersions(['2015-12-01', '2021-07-01', '2025-03-01']);

/** Every feature of the subscription. */
export const FEATURE_TYPE: ResourceTypeDescriptor = {
  type: 'Microsoft.Features/features',
  tracking: 'none',
  apiVersions: FEATURE_API_VERSIONS,
  collections: [`${FEATURES}/features`],
  references: [],
};

/** A feature of one namespace: read, listed, registered and unregistered (POST `.../register`). */
export const PROVIDER_FEATURE_TYPE: ResourceTypeWithPaths = {
  type: 'Microsoft.Features/providers/features',
  // Features belong to a subscription, not to a group.
  tracking: 'none',
  apiVersions: FEATURE_API_VERSIONS,
  path: `${FEATURES}/providers/{namespace}/features/{name}`,
  collections: [`${FEATURES}/providers/{namespace}/features`],
  references: [],
};

/** SubscriptionFeatureRegistration.json: stable/{2021-07-01,2025-03-01}. */
export const SUBSCRIPTION_FEATURE_REGISTRATION_TYPE: ResourceTypeWithPaths = {
  type: 'Microsoft.Features/featureProviders/subscriptionFeatureRegistrations',
  tracking: 'none',
  apiVersions: apiVersions(['2021-07-01', '2025-03-01']),
  path: `${FEATURES}/featureProviders/{namespace}/subscriptionFeatureRegistrations/{name}`,
  collections: [
    `${FEATURES}/featureProviders/{namespace}/subscriptionFeatureRegistrations`,
    `${FEATURES}/subscriptionFeatureRegistrations`,
  ],
  references: [],
};
