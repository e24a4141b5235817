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

/**
 * A page of the records of several kinds, in insert order as one list, that `select` shows (undefined
 * leaves a record out): each kind is read from the cursor on and merged by seq, and reading goes on
 * while a page is not full, since `select` may leave out many (a filter the store cannot apply).
 */
export async function listKindsPage<D, T>(
  store: MetadataStore,
  kinds: readonly string[],
  query: Omit<ListQuery, 'kind' | 'limit' | 'afterSeq'>,
  page: PageRequest,
  select: (record: StoredRecord<D>) => T | undefined,
): Promise<Page<T>> {
  let afterSeq = page.skipToken === undefined ? undefined : decodeSkipToken(page.skipToken);
  const size = Math.min(page.top ?? DEFAULT_PAGE_SIZE, 1000);
  const shown: { seq: number; item: T }[] = [];
  for (;;) {
    const read = await Promise.all(kinds.map((kind) => store.list<D>({ ...query, kind, afterSeq, limit: size + 1 })));
    // The first size + 1 records after the cursor, whatever their kind, are among each kind's first size + 1.
    const batch = read
      .flat()
      .sort((a, b) => a.seq - b.seq)
      .slice(0, size + 1);
    for (const record of batch) {
      const item = select(record);
      if (item !== undefined) shown.push({ seq: record.seq, item });
    }
    if (shown.length > size || batch.length <= size) break;
    afterSeq = batch[batch.length - 1].seq;
  }
  return {
    value: shown.slice(0, size).map((s) => s.item),
    skipToken: shown.length > size ? encodeSkipToken(shown[size - 1].seq) : undefined,
  };
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
