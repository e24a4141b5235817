/**
 * `$filter` of the generic resource lists, as ARM reads it (Resources - List): `eq` and `ne` on
 * `resourceType`, `name`, `location` and `resourceGroup`; `substringof('x', name|resourceGroup)`; any
 * of those joined by `and`/`or`, in parentheses if need be; and the tag filters `tagName eq 'k'`,
 * `tagName eq 'k' and tagValue eq 'v'`, `startswith(tagName, 'p')`, which ARM takes only alone.
 * Anything else is ARM's 400 InvalidFilterInQueryString, naming the filter.
 *
 * Invariants:
 *  - Names, types, groups, locations and tag names compare without case; tag values with case, as ARM
 *    keeps them. A location compares as a region, so `'West US'` matches `westus`.
 *  - What a filter pins for sure (`resourceType eq`, `resourceGroup eq` joined by `and` at the top) is
 *    handed to the store as which kinds and group to read; the predicate checks everything again.
 */
import { ArmError } from '../../core/arm-error.ts';

/** What a filter tests of one resource. */
export interface FilteredResource {
  /** `Microsoft.Compute/galleries/images`. */
  resourceType: string;
  /** The generic name: nested names joined by `/` (`shelf/debian`). */
  name: string;
  location: string;
  resourceGroup: string;
  tags: Record<string, string>;
}

export interface ResourceFilter {
  test(resource: FilteredResource): boolean;
  /** Lower-cased type every match has (`resourceType eq` joined by `and` at the top), if pinned. */
  type?: string;
  /** Lower-cased group every match is in (`resourceGroup eq` joined by `and`), if pinned. */
  resourceGroup?: string;
}

type Property = 'resourceType' | 'name' | 'location' | 'resourceGroup';
type Node =
  | { op: 'and' | 'or'; left: Node; right: Node }
  | { op: 'eq' | 'ne'; property: Property; value: string }
  | { op: 'substringof'; property: 'name' | 'resourceGroup'; value: string }
  | { op: 'tag'; name?: string; value?: string; prefix?: string };

const PROPERTIES: Record<string, Property> = {
  resourcetype: 'resourceType',
  name: 'name',
  location: 'location',
  resourcegroup: 'resourceGroup',
};

const invalid = (filter: string) =>
  new ArmError(
    400,
    'InvalidFilterInQueryString',
    `Invalid $filter '${filter}' specified in the query string.`,
    '$filter',
  );

/** Words, quoted strings ('' inside stands for '), parentheses and commas. */
function tokens(filter: string): string[] {
  const found: string[] = [];
  const pattern = /\s*(?:('(?:[^']|'')*')|([(),])|([^\s(),']+))/y;
  let at = 0;
  while (at < filter.length) {
    if (filter.slice(at).trim() === '') break;
    pattern.lastIndex = at;
    const match = pattern.exec(filter);
    if (!match) throw invalid(filter);
    found.push(match[1] ?? match[2] ?? match[3]);
    at = pattern.lastIndex;
  }
  return found;
}

function parse(filter: string): Node {
  const list = tokens(filter);
  let at = 0;
  const peek = () => list[at]?.toLowerCase();
  const take = (expected?: string) => {
    const token = list[at++];
    if (token === undefined || (expected !== undefined && token.toLowerCase() !== expected)) throw invalid(filter);
    return token;
  };
  const literal = () => {
    const token = take();
    if (!/^'.*'$/s.test(token)) throw invalid(filter);
    return token.slice(1, -1).replace(/''/g, "'");
  };
  const term = (): Node => {
    const word = take().toLowerCase();
    if (word === '(') {
      const inner = expression();
      take(')');
      return inner;
    }
    if (word === 'substringof') {
      take('(');
      const value = literal();
      take(',');
      const property = PROPERTIES[take().toLowerCase()];
      take(')');
      if (property !== 'name' && property !== 'resourceGroup') throw invalid(filter);
      return { op: 'substringof', property, value };
    }
    if (word === 'startswith') {
      take('(');
      take('tagname');
      take(',');
      const prefix = literal();
      take(')');
      return { op: 'tag', prefix };
    }
    const operator = take().toLowerCase();
    if (operator !== 'eq' && operator !== 'ne') throw invalid(filter);
    const value = literal();
    if (word === 'tagname' && operator === 'eq') return { op: 'tag', name: value };
    if (word === 'tagvalue' && operator === 'eq') return { op: 'tag', value };
    const property = PROPERTIES[word];
    if (!property) throw invalid(filter);
    return { op: operator, property, value };
  };
  const expression = (): Node => {
    let node = term();
    while (peek() === 'and' || peek() === 'or') {
      const op = take().toLowerCase() as 'and' | 'or';
      node = { op, left: node, right: term() };
    }
    return node;
  };
  const node = expression();
  if (at !== list.length) throw invalid(filter);
  return node;
}

/** The terms joined by `and` at the top of the tree. */
const conjuncts = (node: Node): Node[] =>
  node.op === 'and' ? [...conjuncts(node.left), ...conjuncts(node.right)] : [node];

const hasTag = (node: Node): boolean =>
  node.op === 'tag' || ((node.op === 'and' || node.op === 'or') && (hasTag(node.left) || hasTag(node.right)));

const region = (location: string) => location.replace(/\s+/g, '').toLowerCase();

/** ARM takes a tag filter only on its own: a name, a name and a value, or a name prefix. */
function tagFilter(filter: string, node: Node): ResourceFilter {
  const terms = conjuncts(node);
  const tags = terms.filter((t): t is Extract<Node, { op: 'tag' }> => t.op === 'tag');
  if (tags.length !== terms.length) throw invalid(filter);
  const name = tags.find((t) => t.name !== undefined)?.name;
  const value = tags.find((t) => t.value !== undefined)?.value;
  const prefix = tags.find((t) => t.prefix !== undefined)?.prefix;
  const shapes = [
    tags.length === 1 && name !== undefined,
    tags.length === 2 && name !== undefined && value !== undefined,
    tags.length === 1 && prefix !== undefined,
  ];
  if (!shapes.some(Boolean)) throw invalid(filter);
  return {
    test: ({ tags: own }) =>
      Object.entries(own).some(([key, tagValue]) =>
        prefix !== undefined
          ? key.toLowerCase().startsWith(prefix.toLowerCase())
          : key.toLowerCase() === name!.toLowerCase() && (value === undefined || tagValue === value),
      ),
  };
}

function matches(node: Node, resource: FilteredResource): boolean {
  switch (node.op) {
    case 'and':
      return matches(node.left, resource) && matches(node.right, resource);
    case 'or':
      return matches(node.left, resource) || matches(node.right, resource);
    case 'substringof':
      return resource[node.property].toLowerCase().includes(node.value.toLowerCase());
    case 'eq':
    case 'ne': {
      const equal =
        node.property === 'location'
          ? region(resource.location) === region(node.value)
          : resource[node.property].toLowerCase() === node.value.toLowerCase();
      return node.op === 'eq' ? equal : !equal;
    }
    default:
      return false;
  }
}

/** The filter `filter` (absent or blank: everything). */
export function parseResourceFilter(filter: string | undefined): ResourceFilter {
  if (filter === undefined || filter.trim() === '') return { test: () => true };
  const node = parse(filter);
  if (hasTag(node)) return tagFilter(filter, node);
  const pinned = (property: Property) =>
    conjuncts(node).flatMap((t) => (t.op === 'eq' && t.property === property ? [t.value.toLowerCase()] : []));
  // Two different values joined by `and` match nothing: the predicate says so, the first one is enough to read.
  return {
    test: (resource) => matches(node, resource),
    type: pinned('resourceType')[0],
    resourceGroup: pinned('resourceGroup')[0],
  };
}
