/**
 * Platform images as Azure lists them (VirtualMachineImages): read-only, under every location of a
 * subscription, the publishers, offers, skus and versions of Kiln's catalog.
 */
import { COMPUTE_RP_API_VERSIONS } from '../images/descriptor.ts';
import { apiVersions, type ResourceTypeDescriptor } from '../shared/resource-type.ts';

const PUBLISHERS = '/subscriptions/{subscription}/providers/Microsoft.Compute/locations/{location}/publishers';
const OFFERS = `${PUBLISHERS}/{publisher}/artifacttypes/vmimage/offers`;
const SKUS = `${OFFERS}/{offer}/skus`;
const VERSIONS = `${SKUS}/{sku}/versions`;

/** The lists, by what they list: the path's `{parameters}` name the fields of the refs in image-id.ts. */
export const PLATFORM_IMAGE_LISTS = { publishers: PUBLISHERS, offers: OFFERS, skus: SKUS, versions: VERSIONS };

export const PLATFORM_IMAGE_TYPE: ResourceTypeDescriptor = {
  type: 'Microsoft.Compute/locations/publishers/artifacttypes/offers/skus/versions',
  tracking: 'none',
  // VirtualMachineImages are in compute.json from 2015-06-15 (Compute/stable/2015-06-15, 2016-03-30) and
  // in every ComputeRP version since; @azure/arm-compute 24.1.0 sends 2026-03-01, azure-cli 2.45 2022-11-01.
  apiVersions: apiVersions(COMPUTE_RP_API_VERSIONS, ['2015-06-15', '2016-03-30']),
  path: `${VERSIONS}/{version}`,
  collections: Object.values(PLATFORM_IMAGE_LISTS),
  references: [],
};
