/**
 * What a command prints, as az prints it: resources of providers with `properties` lifted to the
 * top (the SDK models flatten them) and `resourceGroup` added from `id`; then `--query` (JMESPath);
 * then json (sorted keys), jsonc (colored), yaml, table (knack's automatic table) or tsv.
 */
import jmespath from 'jmespath';
import { stringify as toYaml } from 'yaml';
import { UsageError } from './args.ts';

export type OutputFormat = 'json' | 'jsonc' | 'none' | 'table' | 'tsv' | 'yaml';

/** Turns one result item into the row a table shows (az's table transformers). */
export type TableTransformer = (item: Record<string, unknown>) => Record<string, unknown>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A resource (or a list of them) as az shows it. `nested`: the type's SDK model keeps `properties`
 * as they are (deployments), so only `resourceGroup` is added.
 */
export function azView(value: unknown, nested = false): unknown {
  if (Array.isArray(value)) return value.map((item) => azView(item, nested));
  if (!isObject(value)) return value;
  const { properties, ...rest } = value;
  const lifted =
    !nested && typeof value.id === 'string' && /\/providers\//i.test(value.id) && isObject(properties)
      ? { ...rest, ...properties }
      : value;
  return withResourceGroup(lifted);
}

/** az's `_add_resource_group`: every object with a resource-group-scoped `id` gets `resourceGroup`. */
function withResourceGroup(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withResourceGroup);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = withResourceGroup(item);
  const parts = typeof value.id === 'string' ? value.id.split('/') : [];
  if (
    !Object.keys(value).some((key) => key.toLowerCase() === 'resourcegroup') &&
    parts[3]?.toLowerCase() === 'resourcegroups' &&
    parts[4]
  )
    out.resourceGroup = parts[4];
  return out;
}

export function applyQuery(value: unknown, query: string | undefined): unknown {
  if (query === undefined) return value;
  try {
    return jmespath.search(value ?? null, query);
  } catch (error) {
    throw new UsageError(`argument --query: invalid jmespath_type value: '${query}' (${(error as Error).message})`);
  }
}

/** The text to print (ending in a newline), or '' when there is nothing to show. */
export function render(
  value: unknown,
  format: OutputFormat,
  options: { queryActive: boolean; table?: TableTransformer },
): string {
  if (value === undefined || value === null || format === 'none') return '';
  switch (format) {
    case 'json':
      return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
    case 'jsonc':
      return `${colorJson(sortKeys(value), '')}\n`;
    case 'yaml':
      return toYaml(sortKeys(value));
    case 'table':
      return table(value, options);
    case 'tsv':
      return tsv(value, !options.queryActive);
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}

/** Python's str() of a scalar, which az's table and tsv print. */
const scalar = (value: unknown) =>
  value === null || value === undefined ? 'None' : value === true ? 'True' : value === false ? 'False' : String(value);

const SKIP_COLUMNS = ['id', 'type', 'etag'];

/** knack's `_auto_table_item`: the scalar fields, capitalized; a scalar item is a `Result`. */
function tableRow(item: unknown, sort: boolean): Record<string, string> {
  if (Array.isArray(item)) return Object.fromEntries(item.map((value, i) => [`Column${i + 1}`, scalar(value)]));
  if (!isObject(item)) return { Result: scalar(item) };
  const row: Record<string, string> = {};
  const keys = sort ? Object.keys(item).sort() : Object.keys(item);
  for (const key of keys) {
    const value = item[key];
    if (SKIP_COLUMNS.includes(key) || value === null || value === undefined || typeof value === 'object') continue;
    row[key.charAt(0).toUpperCase() + key.slice(1)] = scalar(value);
  }
  return row;
}

/** tabulate's "simple" format, as az uses: headers, dashes, columns two spaces apart. */
function table(value: unknown, options: { queryActive: boolean; table?: TableTransformer }): string {
  const transform = !options.queryActive && options.table;
  const items = (Array.isArray(value) ? value : [value]).map((item) =>
    transform && isObject(item) ? transform(item) : item,
  );
  const rows = items.map((item) => tableRow(item, !options.queryActive && !transform));
  const headers = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  if (headers.length === 0) return '';
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((row) => (row[h] ?? '').length)));
  const line = (cells: string[]) => `${cells.map((cell, i) => cell.padEnd(widths[i])).join('  ')}`.trimEnd();
  return (
    [
      line(headers),
      line(widths.map((w) => '-'.repeat(w))),
      ...rows.map((row) => line(headers.map((h) => row[h] ?? ''))),
    ].join('\n') + '\n'
  );
}

/** knack's tsv: one line per item; objects give their values (sorted by key unless a query shaped them), lists their length. */
function tsv(value: unknown, sort: boolean): string {
  const cell = (item: unknown) => (Array.isArray(item) ? String(item.length) : isObject(item) ? '' : scalar(item));
  const row = (item: unknown) => {
    if (Array.isArray(item)) return item.map(cell).join('\t');
    if (isObject(item))
      return (sort ? Object.keys(item).sort() : Object.keys(item)).map((key) => cell(item[key])).join('\t');
    return cell(item);
  };
  return (Array.isArray(value) ? value : [value]).map((item) => `${row(item)}\n`).join('');
}

const COLORS = { key: '\x1b[94m', string: '\x1b[32m', number: '\x1b[33m', literal: '\x1b[35m', reset: '\x1b[0m' };

function colorJson(value: unknown, indent: string): string {
  const paint = (color: string, text: string) => `${color}${text}${COLORS.reset}`;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => `${inner}${colorJson(item, inner)}`).join(',\n')}\n${indent}]`;
  }
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) return '{}';
    return `{\n${keys.map((key) => `${inner}${paint(COLORS.key, JSON.stringify(key))}: ${colorJson(value[key], inner)}`).join(',\n')}\n${indent}}`;
  }
  if (typeof value === 'string') return paint(COLORS.string, JSON.stringify(value));
  if (typeof value === 'number') return paint(COLORS.number, JSON.stringify(value));
  return paint(COLORS.literal, JSON.stringify(value ?? null));
}
