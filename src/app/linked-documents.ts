/**
 * The DocumentFetcher `kiln serve` gives deployments (ports/document-fetcher.ts): a linked template or
 * parameters file is fetched by the rules a build's downloads follow (jobs/tasks/template-downloads.ts).
 * Kiln's own blob URLs (the origin of Kiln's public URL, `/blob/...`) go in-process through the HTTP
 * app (self-fetch.ts) without credentials, so the blob route's rules decide: as Azure requires of a
 * link, its container must allow public read access or the URL carry a SAS. Other URLs go over the
 * network through imaging/policy-fetch.ts under the operator's `build.downloads` (public addresses
 * only unless the operator allows more; the connection made to the address allowed; every redirect
 * decided anew). The body is read up to ARM's 4 MiB within the port's time limit and parsed as a
 * request body is (http/json-body.ts: nesting depth counted first, Json.NET's comments and unquoted
 * names taken, `__proto__` members refused).
 */
import { parseBlobUrl } from '../core/blob-url.ts';
import { JSON_BODY_LIMITS, nestingProblem } from '../http/json-body.ts';
import { relaxedToStrictJson } from '../http/relaxed-json.ts';
import type { FetchLike } from '../imaging/customizers/download-into-image.ts';
import type { DownloadPolicy } from '../imaging/download-policy.ts';
import { policyFetch } from '../imaging/policy-fetch.ts';
import { LINKED_DOCUMENT_LIMITS, type DocumentFetcher, type FetchedDocument } from '../ports/document-fetcher.ts';

/** The Storage API version Kiln's own fetches speak. */
const STORAGE_VERSION = '2023-11-03';

export interface LinkedDocumentOptions {
  /** Kiln's public URL: blob URLs at its origin are Kiln's own. */
  publicUrl: string | undefined;
  /** The operator's `build.downloads`. */
  policy: DownloadPolicy;
  /** How Kiln's own URLs are fetched: in-process through the HTTP app (self-fetch.ts). */
  ownFetch: FetchLike;
}

export function linkedDocumentFetcher({ publicUrl, policy, ownFetch }: LinkedDocumentOptions): DocumentFetcher {
  const origin = publicUrl === undefined ? undefined : new URL(publicUrl).origin;
  const fetch = policyFetch(policy, {
    inProcess: (url) =>
      url.origin === origin && parseBlobUrl(url) !== undefined
        ? (href, init) => ownFetch(href, { signal: init.signal, headers: { 'x-ms-version': STORAGE_VERSION } })
        : undefined,
  });
  return {
    async fetchJson(href) {
      const signal = AbortSignal.timeout(LINKED_DOCUMENT_LIMITS.timeoutMs);
      try {
        const response = await fetch(href, { signal });
        if (!response.ok) {
          await response.body?.cancel();
          return { refused: statusReason(response) };
        }
        const text = await readText(response);
        return typeof text === 'string' ? parseDocument(text) : text;
      } catch (error) {
        if (signal.aborted) return { refused: `it took longer than ${LINKED_DOCUMENT_LIMITS.timeoutMs / 1000} s` };
        return { refused: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}

function statusReason(response: Response): string {
  const code = response.headers.get('x-ms-error-code');
  // What Azure Storage, and Kiln's blob route, answer an anonymous read of a private container.
  if (response.status === 404 && code === 'ResourceNotFound')
    return "its container does not allow public read access (404 ResourceNotFound): links are fetched without credentials, as ARM fetches them, so the container's public access level must be 'blob' or 'container', or the URL carry a SAS";
  return `it answered HTTP ${response.status} ${response.statusText}${code ? ` (${code})` : ''}`.trimEnd();
}

/** The body as text, or a refusal once it passes the size limit (read no further). */
async function readText(response: Response): Promise<string | FetchedDocument> {
  const limit = LINKED_DOCUMENT_LIMITS.bytes;
  const tooLarge = { refused: `it is larger than ${limit / (1024 * 1024)} MiB, the most ARM reads` };
  if (Number(response.headers.get('content-length') ?? 0) > limit) {
    await response.body?.cancel();
    return tooLarge;
  }
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  // Leaving the loop early cancels the body, which closes the connection.
  for await (const chunk of response.body ?? []) {
    bytes += chunk.byteLength;
    if (bytes > limit) return tooLarge;
    chunks.push(chunk);
  }
  try {
    // A byte order mark is dropped, as Json.NET drops it.
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    return { refused: 'it is not UTF-8 text' };
  }
}

/** A member JSON.parse would make but Kiln refuses in every body: it could stand for a prototype. */
class ForbiddenMember extends Error {}

function parseDocument(text: string): FetchedDocument {
  const deep = nestingProblem(text, JSON_BODY_LIMITS.depth);
  if (deep !== undefined)
    return {
      refused: `it nests deeper than ${JSON_BODY_LIMITS.depth} levels (path '${deep.path}', line ${deep.line}, position ${deep.position})`,
    };
  try {
    return { json: strictParse(text) };
  } catch (error) {
    if (error instanceof ForbiddenMember) return { refused: error.message };
    // Json.NET, ARM's reader, also takes comments and unquoted member names.
    const relaxed = relaxedToStrictJson(text);
    try {
      if (relaxed !== text) return { json: strictParse(relaxed) };
    } catch (again) {
      if (again instanceof ForbiddenMember) return { refused: again.message };
    }
    return { refused: `it is not JSON (${(error as Error).message})` };
  }
}

function strictParse(text: string): unknown {
  return JSON.parse(text, (key, value: unknown) => {
    if (key === '__proto__' || (key === 'constructor' && typeof value === 'object' && value && 'prototype' in value))
      throw new ForbiddenMember(`it has a '${key}' member, which Kiln refuses in JSON`);
    return value;
  });
}
