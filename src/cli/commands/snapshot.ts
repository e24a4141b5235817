/** `kiln snapshot`: snapshots, as `az snapshot` (the disk commands' table on the snapshots collection). */
import { diskFamilyGroup, SNAPSHOT } from './disk.ts';

export const snapshot = diskFamilyGroup({
  kind: SNAPSHOT,
  summary: 'Manage point-in-time copies of managed disks.',
  empty: false,
  skus: ['Standard_LRS', 'Premium_LRS', 'Standard_ZRS'],
  confirmDelete: false,
});
