/** Microsoft.Resources/resourceGroups. */
import { apiVersions, type ResourceTypeWithPaths } from '../shared/resource-type.ts';

export const RESOURCE_GROUP_TYPE: ResourceTypeWithPaths = {
  type: 'Microsoft.Resources/resourceGroups',
  tracking: 'none',
  // Microsoft.Resources resources.json: Microsoft.Resources/resources/{stable,preview}/* (+ pre-2023
  // Microsoft.Resources/stable/*); @azure/arm-resources 7.0.0 sends 2025-04-01, azure-cli 2.45 2021-04-01 or 2022-09-01.
  apiVersions: apiVersions([
    '2015-11-01',
    '2016-02-01',
    '2016-07-01',
    '2016-09-01',
    '2017-05-10',
    '2018-02-01',
    '2018-05-01',
    '2019-03-01',
    '2019-05-01',
    '2019-05-10',
    '2019-07-01',
    '2019-08-01',
    '2019-10-01',
    '2020-06-01',
    '2020-08-01',
    '2020-10-01',
    '2021-01-01',
    '2021-04-01',
    '2022-09-01',
    '2023-07-01',
    '2024-03-01',
    '2024-07-01',
    '2024-11-01',
    '2025-03-01',
    '2025-04-01',
    '2025-08-01-preview',
  ]),
  path: '/subscriptions/{subscription}/resourcegroups/{name}',
  collections: ['/subscriptions/{subscription}/resourcegroups'],
  references: [],
};
