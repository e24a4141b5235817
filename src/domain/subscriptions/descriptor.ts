/** Microsoft.Resources/subscriptions and /tenants: read-only views of the configuration. */
import { apiVersions, type ResourceTypeDescriptor, type ResourceTypeWithPaths } from '../shared/resource-type.ts';

/** Microsoft.Resources subscriptions.json: Microsoft.Resources/subscriptions/stable/* (readme tags package-subscriptions-*); azure-cli 2.45 sends 2019-11-01 or 2022-12-01. */
const SUBSCRIPTION_API_VERSIONS = apiVersions([
  '2015-11-01',
  '2016-06-01',
  '2018-06-01',
  '2019-06-01',
  '2019-11-01',
  '2020-01-01',
  '2021-01-01',
  '2022-12-01',
]);

export const SUBSCRIPTION_TYPE: ResourceTypeWithPaths = {
  type: 'Microsoft.Resources/subscriptions',
  tracking: 'none',
  apiVersions: SUBSCRIPTION_API_VERSIONS,
  path: '/subscriptions/{subscription}',
  collections: ['/subscriptions'],
  references: [],
};

export const TENANT_TYPE: ResourceTypeDescriptor = {
  type: 'Microsoft.Resources/tenants',
  tracking: 'none',
  // /tenants is defined in every subscriptions.json version.
  apiVersions: SUBSCRIPTION_API_VERSIONS,
  collections: ['/tenants'],
  references: [],
};
