/**
 * Kiln serves each region's blob store at `<base>/blob/<region>/<container>/<path>`, the shape of an
 * Azure blob URL with the account replaced by the region, so Azure storage clients work unchanged.
 */

const PREFIX = '/blob/';
/** Azure's limit on blob names. */
const MAX_KEY_LENGTH = 1024;

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

/** `baseUrl` is the origin clients reach Kiln at, e.g. `https://kiln.example.com:8443`. */
export function formatBlobUrl(baseUrl: string, region: string, key: string): string {
  const base = new URL(baseUrl);
  if (base.pathname !== '/' || base.search !== '' || base.hash !== '') {
    throw new Error(`The blob base URL '${baseUrl}' must be an origin without a path, query or fragment.`);
  }
  const problem = blobKeyProblem(key);
  if (problem !== undefined) throw new Error(problem);
  const path = key.split('/').map(encodeURIComponent).join('/');
  return `${base.origin}${PREFIX}${encodeURIComponent(region.toLowerCase())}/${path}`;
}

/**
 * The region and key a blob URL names (its query is ignored), or undefined when it is not one.
 * Any host is accepted: clients reach the server by different names.
 */
export function parseBlobUrl(url: string | URL): { region: string; key: string } | undefined {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return undefined;
  }
  if (!parsed.pathname.startsWith(PREFIX)) return undefined;
  let segments: string[];
  try {
    segments = parsed.pathname.slice(PREFIX.length).split('/').map(decodeURIComponent);
  } catch {
    return undefined;
  }
  const [region, ...rest] = segments;
  // A key is `<container>/<path>`: both parts are required.
  if (!region || rest.length < 2) return undefined;
  const key = rest.join('/');
  if (blobKeyProblem(key) !== undefined) return undefined;
  return { region: region.toLowerCase(), key };
}
