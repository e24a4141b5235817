/**
 * The api-version the portal sends per resource type: versions Kiln serves in the shapes the pages
 * read. A page names the type it calls; `apiVersionOf` picks by resource id for generic views.
 */
export const API_VERSIONS = {
  subscriptions: '2022-12-01',
  resources: '2025-04-01',
  galleries: '2025-03-03',
  images: '2024-11-01',
  disks: '2025-01-02',
  virtualMachines: '2024-11-01',
  network: '2024-05-01',
  imageTemplates: '2025-10-01',
  authorization: '2022-04-01',
  deployments: '2025-04-01',
} as const;

const BY_TYPE: [RegExp, string][] = [
  [/^microsoft\.resources\/subscriptions$/i, API_VERSIONS.subscriptions],
  [/^microsoft\.compute\/galleries/i, API_VERSIONS.galleries],
  [/^microsoft\.compute\/(disks|snapshots|diskaccesses|diskencryptionsets)/i, API_VERSIONS.disks],
  [/^microsoft\.compute\/images/i, API_VERSIONS.images],
  [/^microsoft\.compute\//i, API_VERSIONS.virtualMachines],
  [/^microsoft\.network\//i, API_VERSIONS.network],
  [/^microsoft\.virtualmachineimages\//i, API_VERSIONS.imageTemplates],
  [/^microsoft\.authorization\//i, API_VERSIONS.authorization],
  [/^microsoft\.resources\/deployments/i, API_VERSIONS.deployments],
  [/^microsoft\.managedidentity\//i, '2023-01-31'],
];

/** The api-version to read a resource of `type` (e.g. `Microsoft.Compute/galleries/images`) with. */
export function apiVersionOf(type: string): string {
  return BY_TYPE.find(([pattern]) => pattern.test(type))?.[1] ?? API_VERSIONS.resources;
}
