/**
 * Lists come in pages of `value` plus an opaque `nextLink` token. The token is the insert sequence
 * of the last record returned, so records inserted while a client pages are never duplicated and
 * records that existed when it started are never skipped.
 */
import { badRequest } from '../../core/arm-error.ts';
import type { ListQuery, MetadataStore, StoredRecord } from '../../ports/metadata-store.ts';

export const DEFAULT_PAGE_SIZE = 100;

export interface PageRequest {
  skipToken?: string;
  top?: number;
}

export interface Page<T> {
  value: T[];
  skipToken?: string;
}

export async function listPage<D, T>(
  store: MetadataStore,
  query: Omit<ListQuery, 'limit' | 'afterSeq'>,
  page: PageRequest,
  project: (record: StoredRecord<D>) => T,
): Promise<Page<T>> {
  const afterSeq = page.skipToken === undefined ? undefined : decodeSkipToken(page.skipToken);
  const size = Math.min(page.top ?? DEFAULT_PAGE_SIZE, 1000);
  const records = await store.list<D>({ ...query, afterSeq, limit: size + 1 });
  const value = records.slice(0, size).map(project);
  const more = records.length > size;
  return { value, skipToken: more ? encodeSkipToken(records[size - 1].seq) : undefined };
}

const encodeSkipToken = (seq: number) => Buffer.from(JSON.stringify({ s: seq })).toString('base64url');

function decodeSkipToken(token: string): number {
  try {
    const seq = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')).s;
    if (Number.isSafeInteger(seq)) return seq;
  } catch {
    // fall through to the error below
  }
  throw badRequest('InvalidSkipToken', `The skip token '${token}' is not valid.`, '$skipToken');
}
