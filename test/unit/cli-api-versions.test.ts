// The CLI's api-versions (src/cli/arm/api-versions.ts) are what its header says: for each key, the
// newest stable version that every type the CLI calls with it accepts, read from the server's own
// descriptors (which the CLI layer may not import). A version added to a descriptor and not to the
// CLI's table, or one the server stopped accepting, fails here.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { API_VERSIONS } from '../../src/cli/arm/api-versions.ts';
import { RESOURCE_TYPES } from '../../src/domain/resource-types.ts';

/** The types each key's commands call (src/cli/commands/*). */
const CALLED_WITH: Record<keyof typeof API_VERSIONS, string[]> = {
  subscriptions: ['Microsoft.Resources/subscriptions'],
  resourceGroups: [
    'Microsoft.Resources/resourceGroups',
    'Microsoft.Resources/resources',
    'Microsoft.Resources/tags',
    'Microsoft.Resources/providers',
    'Microsoft.Resources/subscriptions/providers',
  ],
  disks: ['Microsoft.Compute/disks', 'Microsoft.Compute/snapshots'],
  images: ['Microsoft.Compute/images'],
  galleries: [
    'Microsoft.Compute/galleries',
    'Microsoft.Compute/galleries/images',
    'Microsoft.Compute/galleries/images/versions',
  ],
  virtualMachines: [
    'Microsoft.Compute/virtualMachines',
    'Microsoft.Compute/locations/vmSizes',
    'Microsoft.Compute/locations/runCommands',
  ],
  network: [
    'Microsoft.Network/virtualNetworks',
    'Microsoft.Network/virtualNetworks/subnets',
    'Microsoft.Network/networkInterfaces',
    'Microsoft.Network/networkSecurityGroups',
    'Microsoft.Network/publicIPAddresses',
  ],
  imageTemplates: ['Microsoft.VirtualMachineImages/imageTemplates'],
  authorization: ['Microsoft.Authorization/roleAssignments', 'Microsoft.Authorization/roleDefinitions'],
  deployments: ['Microsoft.Resources/deployments', 'Microsoft.Resources/deployments/operations'],
  features: ['Microsoft.Features/features', 'Microsoft.Features/providers/features'],
};

const accepted = (type: string) => {
  const descriptor = RESOURCE_TYPES.find((t) => t.type === type);
  assert.ok(descriptor, `${type} is a type the server serves`);
  return [...descriptor.apiVersions];
};

it('sends, per resource type, the newest stable api-version the server accepts', () => {
  for (const [key, types] of Object.entries(CALLED_WITH)) {
    const stable = types.map((type) => accepted(type).filter((v) => !v.endsWith('-preview')));
    const everywhere = stable[0].filter((v) => stable.every((versions) => versions.includes(v))).sort();
    assert.equal(API_VERSIONS[key as keyof typeof API_VERSIONS], everywhere.at(-1), key);
  }
});
