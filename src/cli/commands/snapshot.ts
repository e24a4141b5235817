/** `kiln snapshot`: snapshots, as `az snapshot` (the disk commands' table on the snapshots collection). */
import { SNAPSHOT_SKUS } from '../../core/disk-skus.ts';
import { diskFamilyGroup, SNAPSHOT } from './disk.ts';

export const snapshot = diskFamilyGroup({
  kind: SNAPSHOT,
  summary: 'Manage point-in-time copies of managed disks.',
  empty: false,
  skus: SNAPSHOT_SKUS,
  confirmDelete: false,
});
