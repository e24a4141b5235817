/**
 * Gives a region store made by an earlier Kiln its user namespace (core/blob-url.ts). Stores used to
 * keep users' blobs and Kiln's own side by side, told apart by nothing; user blobs now live under
 * `$user/`, out of reach of every key Kiln writes itself.
 *
 * Run once per store, at start, before any request or job uses it: every blob outside Kiln's own
 * roots of that layout (a frozen list: later internal keys never need adding) moves into the user
 * namespace under the same container and name, so its URL keeps naming it; a build's VHD output gets
 * a user copy too, so the `artifactUri` runs have shown keeps working. A blob whose container is no valid
 * container name stays where it is: no URL may name it any more. A marker blob records that the
 * store is done. Each step can be repeated, so a start that dies half-way is finished by the next one,
 * and two processes sharing an Azure Blob region may both run it.
 */
import { CONTAINER_NAME, USER_BLOB_ROOT, userBlobKey } from '../../core/blob-url.ts';
import type { BlobStore } from '../../ports/blob-store.ts';

/** Where Kiln kept its own blobs before user blobs had a namespace of their own. */
const SHARED_LAYOUT_INTERNAL_ROOTS = new Set([
  'disks',
  'snapshots',
  'images',
  'replicas',
  'versions',
  'imagetemplates',
  'platformimages',
]);
/** Present once the store's user blobs are under USER_BLOB_ROOT; itself outside the user namespace. */
const LAYOUT_MARKER = '$layout/user-namespace';

export interface LayoutChange {
  /** User blobs moved into the user namespace. */
  moved: number;
  /** Build VHD outputs given a user copy. */
  published: number;
}

const isCode = (error: unknown, code: string) => (error as { code?: unknown }).code === code;

/** Copies `from` to `to` unless an earlier (or a concurrent) run already did. */
async function copyOnce(store: BlobStore, from: string, to: string): Promise<void> {
  try {
    await store.copy(from, to);
  } catch (error) {
    if (!isCode(error, 'BlobAlreadyExists')) throw error;
  }
}

export async function separateUserBlobs(store: BlobStore): Promise<LayoutChange> {
  const change: LayoutChange = { moved: 0, published: 0 };
  if ((await store.stat(LAYOUT_MARKER)) !== undefined) return change;
  for (const { key } of await store.list('')) {
    if (key === LAYOUT_MARKER || key.startsWith(USER_BLOB_ROOT)) continue;
    const [container, ...rest] = key.split('/');
    const name = rest.join('/');
    if (container === 'imagetemplates' && key.endsWith('.vhd')) {
      await copyOnce(store, key, userBlobKey(container, name));
      change.published++;
    } else if (!SHARED_LAYOUT_INTERNAL_ROOTS.has(container) && CONTAINER_NAME.test(container) && name !== '') {
      await copyOnce(store, key, userBlobKey(container, name));
      await store.delete(key);
      change.moved++;
    }
  }
  await store.put(LAYOUT_MARKER, Buffer.from('user blobs under $user/\n'), { overwrite: true });
  return change;
}
