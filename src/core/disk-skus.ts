/**
 * The storage SKUs of managed disks and snapshots as Azure spells them. One list for the server,
 * which refuses any other, and for the CLI, which offers them as `--sku` values, so the two never
 * disagree. An image's disks take the managed disk SKUs as their `storageAccountType`.
 */

/** Azure's DiskStorageAccountTypes. */
export const DISK_SKUS = [
  'Standard_LRS',
  'Premium_LRS',
  'StandardSSD_LRS',
  'UltraSSD_LRS',
  'Premium_ZRS',
  'StandardSSD_ZRS',
  'PremiumV2_LRS',
] as const;

/** Azure's SnapshotStorageAccountTypes. */
export const SNAPSHOT_SKUS = ['Standard_LRS', 'Premium_LRS', 'Standard_ZRS'] as const;
