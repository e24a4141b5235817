/**
 * JSON documents Kiln fetches by URL for a caller: a deployment's `templateLink` and `parametersLink`,
 * which ARM downloads at PUT, validate and what-if time. The URL is the caller's, so hostile: the
 * implementation (app/linked-documents.ts) decides where it may go.
 *
 * Invariants: a document is at most LINKED_DOCUMENT_LIMITS.bytes (ARM's request limit) and is had
 * within LINKED_DOCUMENT_LIMITS.timeoutMs, redirects included; it is parsed under the same rules as a
 * request body (nesting depth, no `__proto__` members), so what it yields is as safe to walk as a body;
 * a URL that cannot be had is an answer (`refused`, saying why in words that never show the URL's
 * query, which may be a SAS), never an exception.
 */

export const LINKED_DOCUMENT_LIMITS = {
  /** ARM's limit on a request's content, and so on a template it downloads. */
  bytes: 4 * 1024 * 1024,
  /** The fetch happens while the caller's PUT waits. */
  timeoutMs: 30_000,
} as const;

export type FetchedDocument = { json: unknown } | { refused: string };

export interface DocumentFetcher {
  /** The JSON document at `url` (http or https), or why it could not be had. */
  fetchJson(url: string): Promise<FetchedDocument>;
}
