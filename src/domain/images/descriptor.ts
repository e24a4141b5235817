/** Microsoft.Compute/images (managed images). */
import { apiVersions, inResourceGroup, type ResourceTypeWithPaths } from '../shared/resource-type.ts';

/**
 * Microsoft.Compute ComputeRP (compute.json / image.json / ComputeRP.json) versions that define images:
 * ComputeRP/{stable,preview}/* from 2016-04-30-preview (2026-03-01 also as
 * Compute/stable/2026-03-01/ComputeRP.json) plus 2026-04-01 (what @azure/arm-compute 25.1.1 sends);
 * @azure/arm-compute 24.1.0 sends 2026-03-01, azure-cli 2.45 2022-08-01 or 2022-11-01.
 */
export const COMPUTE_RP_API_VERSIONS = apiVersions([
  '2016-04-30-preview',
  '2017-03-30',
  '2017-12-01',
  '2018-04-01',
  '2018-06-01',
  '2018-10-01',
  '2019-03-01',
  '2019-07-01',
  '2019-12-01',
  '2020-06-01',
  '2020-12-01',
  '2021-03-01',
  '2021-04-01',
  '2021-07-01',
  '2021-11-01',
  '2022-03-01',
  '2022-08-01',
  '2022-11-01',
  '2023-03-01',
  '2023-07-01',
  '2023-09-01',
  '2024-03-01',
  '2024-07-01',
  '2024-11-01',
  '2025-04-01',
  '2025-11-01',
  '2026-03-01',
  '2026-04-01',
]);

export const IMAGE_TYPE: ResourceTypeWithPaths = {
  ...inResourceGroup('Microsoft.Compute/images'),
  tracking: 'tracked',
  readOnly: ['properties.provisioningState'],
  apiVersions: COMPUTE_RP_API_VERSIONS,
  // An image pins a copy of each disk or snapshot it is made from; blobUri fields are Kiln blob URLs.
  references: [
    'properties.storageProfile.osDisk.managedDisk.id',
    'properties.storageProfile.osDisk.snapshot.id',
    'properties.storageProfile.dataDisks[].managedDisk.id',
    'properties.storageProfile.dataDisks[].snapshot.id',
    'properties.sourceVirtualMachine.id',
  ].map((field) => ({ field, needs: 'read' as const })),
};
