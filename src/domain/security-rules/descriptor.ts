/**
 * Microsoft.Network/networkSecurityGroups/securityRules (a group's rules, one at a time) and
 * .../defaultSecurityRules (Azure's six, read only).
 */
import { NETWORK_API_VERSIONS } from '../network/api-versions.ts';
import type { ResourceTypeDescriptor, ResourceTypeWithPaths } from '../shared/resource-type.ts';

const GROUP =
  '/subscriptions/{subscription}/resourceGroups/{resourceGroup}/providers/Microsoft.Network/networkSecurityGroups/{networkSecurityGroup}';

export const SECURITY_RULE_TYPE: ResourceTypeWithPaths = {
  type: 'Microsoft.Network/networkSecurityGroups/securityRules',
  tracking: 'proxy',
  apiVersions: NETWORK_API_VERSIONS,
  path: `${GROUP}/securityRules/{name}`,
  collections: [`${GROUP}/securityRules`],
  references: [],
};

export const DEFAULT_SECURITY_RULE_TYPE: ResourceTypeDescriptor & { path: string } = {
  type: 'Microsoft.Network/networkSecurityGroups/defaultSecurityRules',
  tracking: 'proxy',
  apiVersions: NETWORK_API_VERSIONS,
  path: `${GROUP}/defaultSecurityRules/{name}`,
  collections: [`${GROUP}/defaultSecurityRules`],
  references: [],
};
