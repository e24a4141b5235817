/**
 * Verdicts of `e2fsck -fn` kept by content, so a source built from again and again is checked once.
 * The full check reads every inode table and directory of the root file system, through the overlay
 * and Kiln's NBD server when the source is read where it is: seconds for a Debian root, on every build.
 *
 * Invariants:
 * - A verdict is keyed by the source's content name (a sealed blob's sha256, core/content-id.ts) and
 *   the partition's start: equal names are equal bytes, so a file system that passed once passes
 *   again. A source without a content name (an ISO, a blob still being written) is always checked.
 * - Only a pass is kept, recorded after the check succeeded; a file system the check refused is
 *   checked (and refused) again each time, with its findings.
 * - The cheap checks (journal clean, file system fits its partition) run every time (ext4.ts).
 * - Verdicts are small records in the metadata store (kind `kiln/checkedroots`), one per source and
 *   partition; deleting them only makes the next build check again.
 */
import type { MetadataStore } from '../../ports/metadata-store.ts';

export const CHECKED_ROOT_KIND = 'kiln/checkedroots';

export interface RootIdentity {
  /** The source's content name (sha256). */
  contentId: string;
  /** Byte offset of the root partition in the disk. */
  start: number;
}

const keyOf = ({ contentId, start }: RootIdentity) => `/kiln/checkedroots/${contentId.toLowerCase()}/${start}`;

export async function wasChecked(store: MetadataStore, root: RootIdentity): Promise<boolean> {
  return (await store.get(keyOf(root))) !== undefined;
}

export async function rememberChecked(store: MetadataStore, root: RootIdentity, now: Date): Promise<void> {
  await store.apply([
    {
      op: 'put',
      record: {
        key: keyOf(root),
        kind: CHECKED_ROOT_KIND,
        subscription: '',
        resourceGroup: null,
        parent: null,
        data: { checkedAt: now.toISOString() },
      },
    },
  ]);
}
