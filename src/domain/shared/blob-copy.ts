/**
 * Moves sealed bytes between region stores. Within a region a copy shares storage; across regions
 * the bytes really travel and the copy's sha256 must equal the source's.
 */
import { ArmError } from '../../core/arm-error.ts';
import type { BlobInfo, RegionStores } from '../../ports/blob-store.ts';

export interface BlobLocation {
  region: string;
  key: string;
}

export async function copyBlob(regions: RegionStores, from: BlobLocation, to: BlobLocation): Promise<BlobInfo> {
  const source = regions.get(from.region);
  const target = regions.get(to.region);
  if (!source || !target) throw new Error(`unknown region store ${from.region} or ${to.region}`);
  const info = await source.stat(from.key);
  if (!info)
    throw new ArmError(404, 'BlobNotFound', `The source blob '${from.key}' in region '${from.region}' does not exist.`);
  // A retried job may find its earlier copy in place.
  const existing = await target.stat(to.key);
  if (existing?.sha256 === info.sha256) return existing;
  if (existing) await target.delete(to.key);
  const copied =
    from.region === to.region ? await target.copy(from.key, to.key) : await target.put(to.key, source.read(from.key));
  if (copied.sha256 !== info.sha256) {
    await target.delete(to.key);
    throw new Error(`checksum mismatch copying ${from.region}/${from.key} to ${to.region}/${to.key}`);
  }
  return copied;
}
