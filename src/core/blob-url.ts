/**
 * Kiln serves each region's blob store at `<base>/blob/<region>/<container>/<name>`, the shape of an
 * Azure blob URL with the account replaced by the region, so Azure storage clients work unchanged.
 *
 * Two namespaces share a region's store, and this file is the one place that decides which a URL
 * reaches:
 *  - user blobs, which callers put, read and delete with their own credentials, live under
 *    USER_BLOB_ROOT: a URL without a SAS names the store key `userBlobKey(container, name)`, and that
 *    function is the only way into the user namespace;
 *  - what backs resources (disks, snapshots, images, replicas, builds' outputs, anything Kiln writes
 *    itself) lives anywhere else. A URL reaches such a blob only with a SAS, which Kiln signs for one
 *    store key (disk upload and download grants): a signed URL names its key literally.
 * So no internal key, present or future, is reachable without a signature Kiln made for it. A user
 * delegation SAS (`skoid`, user-delegation-sas.ts) is not such a signature: it stands for its
 * principal's roles, so its URL names a user blob, as an unsigned one does (signedForKey).
 *
 * A URL's path is parsed once, from its raw text, before anything normalises it: dot segments (raw or
 * percent-encoded), empty segments, encoded slashes and backslashes are refused, so what is authorized
 * and what is served are always the same blob.
 */

import { isUserDelegationSas } from './user-delegation-sas.ts';

const PREFIX = '/blob/';
/** Azure's limit on blob names. */
const MAX_KEY_LENGTH = 1024;
/** The store keys of user blobs, `$user/<container>/<name>`; no valid container name starts with `$`. */
export const USER_BLOB_ROOT = '$user/';
/** Azure's container names: 3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit. */
export const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * Why `key` cannot name a blob, or undefined when it can. `.`/`..` segments are refused because URL
 * normalisation would make such a blob unreachable, and empty segments because clients collapse them.
 */
export function blobKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'The blob key is empty.';
  if (key.length > MAX_KEY_LENGTH) return `The blob key is longer than ${MAX_KEY_LENGTH} characters.`;
  if (key.startsWith('/')) return `The blob key '${key}' is absolute.`;
  if (key.includes('\0')) return 'The blob key contains a NUL character.';
  for (const segment of key.split('/')) {
    if (segment === '') return `The blob key '${key}' has an empty segment.`;
    if (segment === '.' || segment === '..') return `The blob key '${key}' has a '${segment}' segment.`;
  }
  return undefined;
}

/** The store key of the user blob `name` in `container`: the user namespace's only entrance. */
export function userBlobKey(container: string, name: string): string {
  if (!CONTAINER_NAME.test(container)) throw new Error(`'${container}' is not a valid container name.`);
  return `${USER_BLOB_ROOT}${container}/${name}`;
}

/** `baseUrl` is the origin clients reach Kiln at, e.g. `https://kiln.example.com:8443`; `name` is `<container>/<blob>`. */
export function formatBlobUrl(baseUrl: string, region: string, name: string): string {
  const base = new URL(baseUrl);
  if (base.pathname !== '/' || base.search !== '' || base.hash !== '') {
    throw new Error(`The blob base URL '${baseUrl}' must be an origin without a path, query or fragment.`);
  }
  const problem = blobKeyProblem(name);
  if (problem !== undefined) throw new Error(problem);
  const path = name.split('/').map(encodeURIComponent).join('/');
  return `${base.origin}${PREFIX}${encodeURIComponent(region.toLowerCase())}/${path}`;
}

/** The parts of a raw `/blob/...` path: a container alone (container requests) or a blob in it. */
export interface BlobPath {
  region: string;
  container: string;
  /** The blob's name inside its container; undefined for a path naming the container only. */
  name?: string;
}

/** One raw path segment, percent-decoded, or why it is refused. */
function decodeSegment(raw: string): { value: string } | { problem: string } {
  if (raw.includes('\\')) return { problem: `the segment '${raw}' holds a backslash, which some clients read as '/'` };
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    return { problem: `the segment '${raw}' is not valid percent-encoding` };
  }
  if (value === '') return { problem: 'the path has an empty segment' };
  if (value === '.' || value === '..')
    return { problem: `the path has a '${raw}' segment, which would name another blob once normalised` };
  if (value.includes('/') || value.includes('\\')) return { problem: `the segment '${raw}' encodes a path separator` };
  if (/[\u0000-\u001f\u007f]/.test(value)) return { problem: `the segment '${raw}' holds a control character` };
  return { value };
}

/**
 * Parses a raw URL path (as received, before any normalisation; the query already cut off) under
 * `/blob/`, or says why it is refused.
 */
export function parseBlobPath(rawPath: string): BlobPath | { problem: string } {
  if (!rawPath.startsWith(PREFIX)) return { problem: `the path does not start with '${PREFIX}'` };
  const segments: string[] = [];
  for (const raw of rawPath.slice(PREFIX.length).split('/')) {
    const decoded = decodeSegment(raw);
    if ('problem' in decoded) return decoded;
    segments.push(decoded.value);
  }
  const [region, container, ...rest] = segments;
  if (container === undefined) return { problem: 'the path names no container' };
  return { region: region.toLowerCase(), container, ...(rest.length > 0 ? { name: rest.join('/') } : {}) };
}

/** What a blob URL addresses: where it is, and the store key that holds it. */
export interface BlobAddress {
  region: string;
  container: string;
  name: string;
  /** The store key: in the user namespace unless `signed`, when it is the key the SAS was signed for. */
  key: string;
  /** Whether the URL carries a SAS Kiln signed for its key (signedForKey), which is then what authorizes it. */
  signed: boolean;
}

/** The address of a parsed blob path, or why it names no blob. */
export function blobAddress(path: BlobPath, signed: boolean): BlobAddress | { problem: string } {
  if (path.name === undefined) return { problem: 'the path names a container, not a blob' };
  const literal = `${path.container}/${path.name}`;
  if (!signed && !CONTAINER_NAME.test(path.container))
    return { problem: `'${path.container}' is not a valid container name` };
  const key = signed ? literal : userBlobKey(path.container, path.name);
  const problem = blobKeyProblem(key);
  if (problem !== undefined) return { problem };
  return { region: path.region, container: path.container, name: path.name, key, signed };
}

/** Whether a URL's query is a SAS Kiln signed for a store key, which its URL then names literally. */
export const signedForKey = (query: URLSearchParams): boolean => query.has('sig') && !isUserDelegationSas(query);

// scheme://authority, then the raw path up to the query or fragment.
const URL_PARTS = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)(\?[^#]*)?/i;

/**
 * The blob a URL names (see the file header for which store key that is), or undefined when it is not
 * a blob URL or is an ambiguous one. Any host is accepted: clients reach the server by different names.
 * A string is parsed from its raw text; a URL object has already been normalised by its parser.
 */
export function parseBlobUrl(url: string | URL): BlobAddress | undefined {
  const text = typeof url === 'string' ? url : url.href;
  if (!URL.canParse(text)) return undefined;
  const parts = URL_PARTS.exec(text);
  if (parts === null) return undefined;
  const path = parseBlobPath(parts[1]);
  if ('problem' in path) return undefined;
  const address = blobAddress(path, signedForKey(new URLSearchParams(parts[2] ?? '')));
  return 'problem' in address ? undefined : address;
}
