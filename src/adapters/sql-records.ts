/** What the SQL metadata stores share: expectation checks and the WHERE clause of `list`. */
import type { Expectation, ListQuery } from '../ports/metadata-store.ts';

/** Whether `expectation` holds for a record whose current etag is `etag` (undefined: no record). */
export function holds(expectation: Expectation, etag: string | undefined): boolean {
  if ('absent' in expectation) return etag === undefined;
  if ('present' in expectation) return etag !== undefined;
  return etag === expectation.etag;
}

/** The filters of a list query; `placeholder(i)` spells the i-th (1-based) parameter in the dialect. */
export function listFilter(
  query: ListQuery,
  placeholder: (index: number) => string,
): { where: string; params: unknown[] } {
  const filters: [string, unknown][] = [
    ['kind =', query.kind],
    ['subscription =', query.subscription],
    ['resource_group =', query.resourceGroup],
    ['parent =', query.parent],
    ['seq >', query.afterSeq],
  ];
  const present = filters.filter(([, value]) => value !== undefined);
  const clauses = present.map(([condition], i) => `${condition} ${placeholder(i + 1)}`);
  return {
    where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '',
    params: present.map(([, value]) => value),
  };
}
