/**
 * The one parse of a blob data-plane request's URL, from `request.url` as it arrived (raw path and
 * query). Everything after it (who the caller is, what they may do, the container's ACL, the store
 * key read or written) uses this value, never Fastify's route parameters or a normalised URL, so a
 * path cannot be authorized as one blob and served as another (core/blob-url.ts says what is refused).
 */
import { blobAddress, CONTAINER_NAME, parseBlobPath, type BlobAddress, type BlobPath } from '../../core/blob-url.ts';
import { invalidResourceName, invalidUri } from './storage-error.ts';

export interface BlobRequest {
  path: BlobPath;
  query: URLSearchParams;
}

export function parseBlobRequest(rawUrl: string): BlobRequest {
  const queryAt = rawUrl.indexOf('?');
  const rawPath = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
  const path = parseBlobPath(rawPath);
  if ('problem' in path) throw invalidUri(`${path.problem}.`);
  return { path, query: new URLSearchParams(queryAt === -1 ? '' : rawUrl.slice(queryAt + 1)) };
}

/** The blob a request names: a SAS names its signed key, anything else a user blob. */
export function blobTarget({ path, query }: BlobRequest): BlobAddress {
  const signed = query.has('sig');
  if (!signed && !CONTAINER_NAME.test(path.container)) throw invalidResourceName();
  const address = blobAddress(path, signed);
  if ('problem' in address) throw invalidUri(`${address.problem}.`);
  return address;
}
