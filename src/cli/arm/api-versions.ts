/**
 * The api-version the CLI sends per resource type: the newest stable version the server accepts for
 * every type sent with it (the server's lists are its resource type descriptors, src/domain/<type>/
 * descriptor.ts, which the CLI layer may not import; test/unit/cli-api-versions.test.ts holds this
 * table to them).
 */
export const API_VERSIONS = {
  subscriptions: '2022-12-01',
  resourceGroups: '2025-04-01',
  disks: '2026-03-02',
  images: '2026-04-01',
  galleries: '2026-03-03',
  virtualMachines: '2026-04-01',
  network: '2026-01-01',
  imageTemplates: '2025-10-01',
  authorization: '2022-04-01',
  deployments: '2026-06-01',
  features: '2025-03-01',
} as const;
