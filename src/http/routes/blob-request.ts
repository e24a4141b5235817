/**
 * The one parse of a blob data-plane request's URL, from `request.url` as it arrived (raw path and
 * query). Everything after it (who the caller is, what they may do, the container's ACL, the store
 * key read or written) uses this value, never Fastify's route parameters or a normalised URL, so a
 * path cannot be authorized as one blob and served as another (core/blob-url.ts says what is refused).
 */
import {
  blobAddress,
  CONTAINER_NAME,
  parseBlobPath,
  signedForKey,
  type BlobAddress,
  type BlobPath,
} from '../../core/blob-url.ts';
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

/** The blob a request names: a SAS Kiln signed for a key names that key, anything else a user blob. */
export function blobTarget({ path, query }: BlobRequest): BlobAddress {
  const signed = signedForKey(query);
  if (!signed && !CONTAINER_NAME.test(path.container)) throw invalidResourceName();
  const address = blobAddress(path, signed);
  if ('problem' in address) throw invalidUri(`${address.problem}.`);
  return address;
}

/**
 * A request on a region's account itself (`/blob/<region>` or `/blob/<region>/`, as Get User
 * Delegation Key is sent): its region, lower-cased as blob paths' are, and query; undefined for any
 * other path.
 */
export function parseAccountRequest(rawUrl: string): { region: string; query: URLSearchParams } | undefined {
  const queryAt = rawUrl.indexOf('?');
  const rawPath = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
  const match = /^\/blob\/([a-z0-9-]+)\/?$/i.exec(rawPath);
  if (match === null) return undefined;
  return {
    region: match[1].toLowerCase(),
    query: new URLSearchParams(queryAt === -1 ? '' : rawUrl.slice(queryAt + 1)),
  };
}
