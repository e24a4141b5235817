/**
 * The `$filter` expressions Microsoft.Authorization lists take, as az and the SDKs send them:
 * clauses joined by `and`, each `field eq 'value'` or a function such as `atScope()` or
 * `assignedTo('{objectId}')`.
 */
import { badRequest } from '../../core/arm-error.ts';

export type FilterClause = { field: string; value: string } | { call: string; argument?: string };

const EQUALS = /^(\w+)\s+eq\s+'((?:[^']|'')*)'$/i;
const CALL = /^(\w+)\(\s*(?:'((?:[^']|'')*)')?\s*\)$/;

export function parseFilter(raw: string | undefined, supported: readonly string[]): FilterClause[] {
  if (raw === undefined || raw.trim() === '') return [];
  return raw
    .trim()
    .split(/\s+and\s+/i)
    .map((text) => {
      const clause = clauseOf(text.trim());
      const name = 'field' in clause ? clause.field : clause.call;
      if (!supported.some((s) => s.toLowerCase() === name.toLowerCase())) {
        throw badRequest(
          'UnsupportedQuery',
          `The filter '${raw}' is not supported. Supported: ${supported.join(', ')}.`,
          '$filter',
        );
      }
      return clause;
    });
}

function clauseOf(text: string): FilterClause {
  const equals = EQUALS.exec(text);
  if (equals) return { field: equals[1], value: equals[2].replace(/''/g, "'") };
  const call = CALL.exec(text);
  if (call) return { call: call[1], argument: call[2]?.replace(/''/g, "'") };
  throw badRequest('UnsupportedQuery', `The filter clause '${text}' is not understood.`, '$filter');
}

/** The value of `field eq '...'` or `field('...')` in the clauses, if any. */
export function filterValue(clauses: readonly FilterClause[], name: string): string | undefined {
  for (const clause of clauses) {
    if ('field' in clause && clause.field.toLowerCase() === name.toLowerCase()) return clause.value;
    if ('call' in clause && clause.call.toLowerCase() === name.toLowerCase()) return clause.argument;
  }
  return undefined;
}

export const hasCall = (clauses: readonly FilterClause[], name: string) =>
  clauses.some((c) => 'call' in c && c.call.toLowerCase() === name.toLowerCase());
