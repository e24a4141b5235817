/**
 * Microsoft.Resources/tags (the tags of a subscription, a group or a resource as one resource,
 * `{scope}/providers/Microsoft.Resources/tags/default`) and a subscription's tag names and values
 * (`/subscriptions/{s}/tagNames`: those in use, with counts, and the predefined ones).
 */
import { RESOURCE_GROUP_TYPE } from '../resource-groups/descriptor.ts';
import type { ResourceTypeWithPaths } from '../shared/resource-type.ts';

const TAG_NAMES = '/subscriptions/{subscription}/tagNames';

export const TAGS_TYPE: ResourceTypeWithPaths = {
  type: 'Microsoft.Resources/tags',
  tracking: 'proxy',
  // The tags of a scope are in resources.json from 2019-10-01; azure-cli 2.45 sends 2021-04-01.
  apiVersions: RESOURCE_GROUP_TYPE.apiVersions.filter((version) => version >= '2019-10-01'),
  path: '{scope}/providers/Microsoft.Resources/tags/default',
  collections: [],
  references: [],
};

export const TAG_NAME_TYPE: ResourceTypeWithPaths = {
  type: 'Microsoft.Resources/subscriptions/tagNames',
  tracking: 'none',
  // Tags - List, Create Or Update, Delete are in every resources.json.
  apiVersions: RESOURCE_GROUP_TYPE.apiVersions,
  path: `${TAG_NAMES}/{tagName}`,
  collections: [TAG_NAMES],
  references: [],
};

export const TAG_VALUE_TYPE: ResourceTypeWithPaths = {
  type: 'Microsoft.Resources/subscriptions/tagNames/tagValues',
  tracking: 'none',
  apiVersions: RESOURCE_GROUP_TYPE.apiVersions,
  path: `${TAG_NAMES}/{tagName}/tagValues/{tagValue}`,
  collections: [],
  references: [],
};
