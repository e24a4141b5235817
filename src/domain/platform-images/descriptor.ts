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

/**
 * The catalog as its operators manage it, through Azure Stack Hub's Compute Admin API (its
 * PlatformImages, `Microsoft.Compute.Admin` 2015-12-01-preview): a version is put with the blob its
 * disk is in, imported by a job, listed and deleted. An admin namespace: only the install's operators
 * reach it (http/arm/route-action.ts). The blob in `osDisk.uri` is checked as every Kiln blob URL in a
 * body is (the caller must be able to read it).
 */
const ADMIN_LOCATION = '/subscriptions/{subscription}/providers/Microsoft.Compute.Admin/locations/{location}';
const ADMIN_LIST = `${ADMIN_LOCATION}/artifactTypes/platformImage`;

export const PLATFORM_IMAGE_ADMIN_TYPE: ResourceTypeDescriptor = {
  type: 'Microsoft.Compute.Admin/locations/artifactTypes/publishers/offers/skus/versions',
  tracking: 'none',
  // specification/azsadmin/resource-manager/compute/Microsoft.Compute.Admin/preview/2015-12-01-preview/PlatformImages.json
  apiVersions: ['2015-12-01-preview'],
  path: `${ADMIN_LIST}/publishers/{publisher}/offers/{offer}/skus/{sku}/versions/{version}`,
  collections: [ADMIN_LIST],
  references: [],
};
