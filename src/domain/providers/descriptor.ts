/**
 * Microsoft.Resources/providers: the resource providers (namespaces) Kiln serves, at the tenant and,
 * with each subscription's registration state, at a subscription. Azure lists both types in
 * Microsoft.Resources; so does Kiln, from these descriptors.
 */
import { RESOURCE_GROUP_TYPE } from '../resource-groups/descriptor.ts';
import type { ResourceTypeWithPaths } from '../shared/resource-type.ts';

/** Providers are in resources.json beside resource groups, in every version of it: the same list. */
export const PROVIDER_TYPE: ResourceTypeWithPaths = {
  type: 'Microsoft.Resources/providers',
  tracking: 'none',
  // @azure/arm-resources 7.0.0 sends 2025-04-01, azure-cli 2.45 2021-04-01 (its hybrid profile 2019-10-01)
  // and azure-mgmt-core's automatic registration 2016-02-01.
  apiVersions: RESOURCE_GROUP_TYPE.apiVersions,
  path: '/providers/{namespace}',
  collections: ['/providers'],
  references: [],
};

export const SUBSCRIPTION_PROVIDER_TYPE: ResourceTypeWithPaths = {
  type: 'Microsoft.Resources/subscriptions/providers',
  tracking: 'none',
  apiVersions: RESOURCE_GROUP_TYPE.apiVersions,
  path: '/subscriptions/{subscription}/providers/{namespace}',
  collections: ['/subscriptions/{subscription}/providers'],
  // A registration request's body is a consent flag (`thirdPartyProviderConsent`), naming nothing.
  references: [],
};
