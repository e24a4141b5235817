/**
 * Microsoft.Resources/deployments, at a resource group or a subscription (`{scope}`), and their
 * operations (one per resource a deployment deploys). A deployment's body names templates and
 * parameters, not resources: what its template deploys is checked as its principal's own requests
 * when it runs (ports/resource-manager.ts), so it needs no linked access. Its links (`templateLink`,
 * `parametersLink`) are fetched as ARM fetches them, without the caller's credentials (linked-content.ts):
 * a Kiln blob URL there is read under the blob route's own rules (a public container or a SAS), so it is
 * left out of the check of the body's blob URLs, as a build's downloads are.
 */
import { RESOURCE_GROUP_TYPE } from '../resource-groups/descriptor.ts';
import { apiVersions, type ResourceTypeWithPaths } from '../shared/resource-type.ts';

/** The scopes a deployment lives at, as path templates. */
export const DEPLOYMENT_SCOPES = [
  '/subscriptions/{subscription}/resourcegroups/{resourceGroup}',
  '/subscriptions/{subscription}',
] as const;

export const DEPLOYMENT_TYPE: ResourceTypeWithPaths = {
  type: 'Microsoft.Resources/deployments',
  // Microsoft.Resources resources.json (deployments moved to Microsoft.Resources/deployments/stable/*
  // with 2025-04-01); @azure/arm-resourcesdeployments 2.0.0 sends 2026-06-01, azure-cli 2.45 2021-04-01.
  apiVersions: apiVersions(RESOURCE_GROUP_TYPE.apiVersions, ['2026-06-01']),
  path: '{scope}/providers/Microsoft.Resources/deployments/{name}',
  collections: ['{scope}/providers/Microsoft.Resources/deployments'],
  // History of a scope, not a resource it holds: ARM's resource lists do not show deployments.
  tracking: 'none',
  references: [],
  blobsFetchedByRuns: ['properties.templateLink.uri', 'properties.parametersLink.uri'],
};

export const DEPLOYMENT_OPERATION_TYPE: ResourceTypeWithPaths = {
  type: 'Microsoft.Resources/deployments/operations',
  apiVersions: DEPLOYMENT_TYPE.apiVersions,
  path: '{scope}/providers/Microsoft.Resources/deployments/{deployment}/operations/{name}',
  collections: ['{scope}/providers/Microsoft.Resources/deployments/{deployment}/operations'],
  tracking: 'none',
  references: [],
};
