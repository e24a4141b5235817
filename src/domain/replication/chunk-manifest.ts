/**
 * An image version's bytes as a list of content-addressed chunks. Each chunk is a sealed blob named
 * by its own sha256, so a chunk shared by two versions (or repeated inside one) is stored once per
 * replica, and "is it already there?" is a stat of its name.
 *
 * Every replica of a region is its own namespace in that region's store, as Azure keeps replicas in
 * separate storage accounts: `replicas/<n>/chunks/<sha256>`.
 */

export interface ChunkManifest {
  /** Bytes of the whole image. */
  size: number;
  /** The whole image's content name (core/content-id.ts), as its store names the blob it was ingested from. */
  sha256: string;
  /** Every chunk but the last is exactly this long; the last holds the rest. */
  chunkSize: number;
  /** Hex sha256 of each chunk, in order; a repeated chunk appears once per place it occurs. */
  chunks: string[];
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Where replica `replica` keeps its chunks; `chunkKey` names start with it. */
export function chunkPrefix(replica: number): string {
  // Replica numbers name namespaces and count from 1, the primary, like Azure's replica count.
  if (!Number.isSafeInteger(replica) || replica < 1) throw new RangeError(`Invalid replica number ${replica}.`);
  return `replicas/${replica}/chunks/`;
}

export function chunkKey(replica: number, sha: string): string {
  // A manifest read back from storage is input: a malformed hash must not name some other blob.
  if (!SHA256_HEX.test(sha)) throw new RangeError(`Invalid chunk hash '${sha}'.`);
  return chunkPrefix(replica) + sha;
}

/** Throws unless the chunk list and the sizes agree, so offsets computed from them are right. */
export function checkManifest(manifest: ChunkManifest): void {
  const { size, chunkSize, chunks } = manifest;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new RangeError(`Invalid chunk size ${chunkSize}.`);
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`Invalid image size ${size}.`);
  if (chunks.length !== Math.ceil(size / chunkSize)) {
    throw new RangeError(
      `A ${size}-byte image in ${chunkSize}-byte chunks has ${Math.ceil(size / chunkSize)} chunks, not ${chunks.length}.`,
    );
  }
}

/** Length of chunk `index`: the chunk size, except for a shorter last chunk. */
export function chunkLength(manifest: ChunkManifest, index: number): number {
  return Math.min(manifest.chunkSize, manifest.size - index * manifest.chunkSize);
}
