// Sources (azure-rest-api-specs folder names, checked 2026): see the one-line comment above each key.
// Also included: versions the installed SDKs send (@azure/arm-compute 24.1.0: images 2026-03-01,
// disks/snapshots 2025-01-02, galleries 2025-03-03; @azure/arm-resources 7.0.0: 2025-04-01) and the
// versions Debian's azure-cli 2.45 is believed to send (not verified against 2.45's _shared.py; compute 2022-08-01/2022-11-01, disks/snapshots 2022-07-02,
// galleries 2022-03-03, resources 2021-04-01/2022-09-01, subscriptions 2019-11-01/2022-12-01,
// imagebuilder 2022-02-14, authorization 2022-04-01, msi 2022-01-31-preview/2023-01-31). Every one of
// those is also a spec folder, so they add nothing beyond the spec lists.
// Values must stay lower-case: checkApiVersion compares against the lower-cased query value.

/** Microsoft.Resources resources.json: Microsoft.Resources/resources/{stable,preview}/* (+ pre-2023 Microsoft.Resources/stable/*). */
const RESOURCES = [
  '2015-11-01', '2016-02-01', '2016-07-01', '2016-09-01', '2017-05-10', '2018-02-01', '2018-05-01',
  '2019-03-01', '2019-05-01', '2019-05-10', '2019-07-01', '2019-08-01', '2019-10-01', '2020-06-01',
  '2020-08-01', '2020-10-01', '2021-01-01', '2021-04-01', '2022-09-01', '2023-07-01', '2024-03-01',
  '2024-07-01', '2024-11-01', '2025-03-01', '2025-04-01', '2025-08-01-preview',
] as const;

/** Microsoft.Resources subscriptions.json: Microsoft.Resources/subscriptions/stable/* (readme tags package-subscriptions-*). */
const SUBSCRIPTIONS = [
  '2015-11-01', '2016-06-01', '2018-06-01', '2019-06-01', '2019-11-01', '2020-01-01', '2021-01-01', '2022-12-01',
] as const;

/** Microsoft.Compute DiskRP (disk.json / snapshot.json / DiskRP.json): DiskRP/{stable,preview}/* plus Compute/stable/2026-03-02/DiskRP.json (TypeSpec ComputeDisk). */
const DISK_RP = [
  '2016-04-30-preview', '2017-03-30', '2018-04-01', '2018-06-01', '2018-09-30', '2019-03-01', '2019-07-01',
  '2019-11-01', '2020-05-01', '2020-06-30', '2020-09-30', '2020-12-01', '2021-04-01', '2021-08-01',
  '2021-12-01', '2022-03-02', '2022-07-02', '2023-01-02', '2023-04-02', '2023-10-02', '2024-03-02',
  '2025-01-02', '2026-03-02', '2026-03-04-preview', '2026-05-01-preview', '2026-06-01-preview',
] as const;

/** Microsoft.Compute ComputeRP (compute.json / image.json / ComputeRP.json) versions that define images: ComputeRP/{stable,preview}/* (2026-03-01 also as Compute/stable/2026-03-01/ComputeRP.json). */
const COMPUTE_RP = [
  '2016-04-30-preview', '2017-03-30', '2017-12-01', '2018-04-01', '2018-06-01', '2018-10-01', '2019-03-01',
  '2019-07-01', '2019-12-01', '2020-06-01', '2020-12-01', '2021-03-01', '2021-04-01', '2021-07-01',
  '2021-11-01', '2022-03-01', '2022-08-01', '2022-11-01', '2023-03-01', '2023-07-01', '2023-09-01',
  '2024-03-01', '2024-07-01', '2024-11-01', '2025-04-01', '2025-11-01', '2026-03-01',
] as const;

/** Microsoft.Compute GalleryRP (gallery.json / GalleryRP.json): GalleryRP/{stable,preview}/* (2020-09-30 lives under preview/) plus 2026-03-03 (TypeSpec ComputeGallery Versions enum). */
const GALLERY_RP = [
  '2018-06-01', '2019-03-01', '2019-07-01', '2019-12-01', '2020-09-30', '2021-07-01', '2021-10-01',
  '2022-01-03', '2022-03-03', '2022-08-03', '2023-07-03', '2024-03-03', '2025-03-03', '2026-03-03',
] as const;

/** Microsoft.VirtualMachineImages imagebuilder.json: ImageBuilder/{stable,preview}/* (main.tsp Versions: 2025-10-01). */
const IMAGE_BUILDER = [
  '2018-02-01-preview', '2019-02-01-preview', '2019-05-01-preview', '2020-02-14', '2021-10-01', '2022-02-14',
  '2022-07-01', '2023-07-01', '2024-02-01', '2025-10-01',
] as const;

function sortedUnique(...lists: readonly (readonly string[])[]): readonly string[] {
  return Object.freeze([...new Set(lists.flat())].sort());
}

/** Supported api-versions per lower-cased resource type (ARM answers InvalidApiVersionParameter / NoRegisteredProviderFound with this list). */
export const API_VERSIONS: Record<string, readonly string[]> = {
  // subscriptions.json folders (Microsoft.Resources/subscriptions/stable/*).
  'microsoft.resources/subscriptions': sortedUnique(SUBSCRIPTIONS),
  // resources.json folders (Microsoft.Resources/resources/{stable,preview}/*); @azure/arm-resources 7.0.0 sends 2025-04-01.
  'microsoft.resources/resourcegroups': sortedUnique(RESOURCES),
  // /tenants is defined in every subscriptions.json version.
  'microsoft.resources/tenants': sortedUnique(SUBSCRIPTIONS),
  // DiskRP folders; @azure/arm-compute 24.1.0 sends 2025-01-02, azure-cli 2.45 sends 2022-07-02.
  'microsoft.compute/disks': sortedUnique(DISK_RP),
  // DiskRP folders (snapshot.json ships with disk.json); SDK 2025-01-02, azure-cli 2.45 2022-07-02.
  'microsoft.compute/snapshots': sortedUnique(DISK_RP),
  // ComputeRP folders from 2016-04-30-preview (first with images); SDK 2026-03-01, azure-cli 2.45 2022-08-01/2022-11-01.
  'microsoft.compute/images': sortedUnique(COMPUTE_RP),
  // Status monitors are polled with the api-version of the operation that created them: union of ComputeRP, DiskRP and GalleryRP.
  'microsoft.compute/locations/operations': sortedUnique(COMPUTE_RP, DISK_RP, GALLERY_RP),
  // GalleryRP folders; SDK 2025-03-03, azure-cli 2.45 2022-03-03.
  'microsoft.compute/galleries': sortedUnique(GALLERY_RP),
  // GalleryRP folders (gallery images share the gallery version set).
  'microsoft.compute/galleries/images': sortedUnique(GALLERY_RP),
  // GalleryRP folders (gallery image versions share the gallery version set).
  'microsoft.compute/galleries/images/versions': sortedUnique(GALLERY_RP),
  // ImageBuilder folders; azure-cli 2.45 (azure-mgmt-imagebuilder) sends 2022-02-14.
  'microsoft.virtualmachineimages/imagetemplates': sortedUnique(IMAGE_BUILDER),
  // ImageBuilder folders (runOutputs is a child proxy resource of imageTemplates in every version).
  'microsoft.virtualmachineimages/imagetemplates/runoutputs': sortedUnique(IMAGE_BUILDER),
  // The image builder's operation status resource, polled with the api-version that started the run.
  'microsoft.virtualmachineimages/locations/operations': sortedUnique(IMAGE_BUILDER),
  // authorization-RoleAssignmentsCalls.json folders (Microsoft.Authorization/{stable,preview}/*); azure-cli 2.45 sends 2022-04-01.
  'microsoft.authorization/roleassignments': sortedUnique([
    '2015-07-01', '2017-10-01-preview', '2018-01-01-preview', '2018-09-01-preview', '2020-03-01-preview',
    '2020-04-01-preview', '2020-08-01-preview', '2020-10-01-preview', '2022-04-01',
  ]),
  // authorization-RoleDefinitionsCalls.json folders; azure-cli 2.45 sends 2022-04-01.
  'microsoft.authorization/roledefinitions': sortedUnique([
    '2015-07-01', '2018-01-01-preview', '2022-04-01', '2022-05-01-preview',
  ]),
  // msi ManagedIdentity.json folders (Microsoft.ManagedIdentity/ManagedIdentity/readme.md tags); azure-cli 2.45 sends 2022-01-31-preview.
  'microsoft.managedidentity/userassignedidentities': sortedUnique([
    '2015-08-31-preview', '2018-11-30', '2021-09-30-preview', '2022-01-31-preview', '2023-01-31',
    '2023-07-31-preview', '2024-11-30', '2025-01-31-preview', '2025-05-31-preview', '2026-05-31',
  ]),
};
