/** Microsoft.VirtualMachineImages/imageTemplates and their runOutputs. */
import { apiVersions, inResourceGroup, type ResourceTypeWithPaths } from '../shared/resource-type.ts';

/** Microsoft.VirtualMachineImages imagebuilder.json: ImageBuilder/{stable,preview}/* (main.tsp Versions: 2025-10-01); azure-cli 2.45 (azure-mgmt-imagebuilder) sends 2022-02-14. */
export const IMAGE_BUILDER_API_VERSIONS = apiVersions([
  '2018-02-01-preview',
  '2019-02-01-preview',
  '2019-05-01-preview',
  '2020-02-14',
  '2021-10-01',
  '2022-02-14',
  '2022-07-01',
  '2023-07-01',
  '2024-02-01',
  '2025-10-01',
]);

export const IMAGE_TEMPLATE_TYPE: ResourceTypeWithPaths = {
  ...inResourceGroup('Microsoft.VirtualMachineImages/imageTemplates'),
  tracking: 'tracked',
  readOnly: [
    'properties.provisioningState',
    'properties.provisioningError',
    'properties.lastRunStatus',
    'properties.exactStagingResourceGroup',
    'properties.source.exactVersion',
  ],
  apiVersions: IMAGE_BUILDER_API_VERSIONS,
  // A template acts as its identity, which takes the right to assign it, as in Azure. Its sources and
  // targets are checked as the image builder's own access when it runs (builder-access.ts).
  references: [
    {
      field: 'identity.userAssignedIdentities{}',
      needs: 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action',
    },
    // What the build VM would carry and join, as Azure checks it of the template's caller.
    {
      field: 'properties.vmProfile.userAssignedIdentities[]',
      needs: 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action',
      assignedTo: 'Microsoft.Compute/virtualMachines',
    },
    {
      field: 'properties.vmProfile.vnetConfig.subnetId',
      needs: 'Microsoft.Network/virtualNetworks/subnets/join/action',
    },
    {
      field: 'properties.vmProfile.vnetConfig.containerInstanceSubnetId',
      needs: 'Microsoft.Network/virtualNetworks/subnets/join/action',
    },
  ],
  blobsFetchedByRuns: [
    'properties.customize[].scriptUri',
    'properties.customize[].sourceUri',
    'properties.source.sourceUri',
  ],
};

/** A child proxy resource of imageTemplates in every api-version: what each run distributed. */
export const RUN_OUTPUT_TYPE: ResourceTypeWithPaths = {
  type: 'Microsoft.VirtualMachineImages/imageTemplates/runOutputs',
  tracking: 'proxy',
  apiVersions: IMAGE_BUILDER_API_VERSIONS,
  path: `${IMAGE_TEMPLATE_TYPE.path}/runOutputs/{runOutputName}`,
  collections: [`${IMAGE_TEMPLATE_TYPE.path}/runOutputs`],
  references: [],
};

/**
 * A child proxy resource of imageTemplates: what runs the template by itself (a new source image
 * version). Azure added it in 2022-07-01; the api-versions before do not have it.
 */
export const TRIGGER_TYPE: ResourceTypeWithPaths = {
  type: 'Microsoft.VirtualMachineImages/imageTemplates/triggers',
  tracking: 'proxy',
  apiVersions: IMAGE_BUILDER_API_VERSIONS.filter((version) => version >= '2022-07-01'),
  path: `${IMAGE_TEMPLATE_TYPE.path}/triggers/{triggerName}`,
  collections: [`${IMAGE_TEMPLATE_TYPE.path}/triggers`],
  references: [],
};
