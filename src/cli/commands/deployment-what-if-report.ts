/**
 * az's human-readable what-if report (azure-cli resource module's `_formatters.py`, line for line):
 * the noise notice, the legend of the symbols used (+ Create, ~ Modify, = Nochange, - Delete, ...;
 * Python's `title()` of the change type), the changes grouped by scope and sorted by change type and
 * resource id, each with its full body (create, delete) or its property changes, and the counts.
 * Colors only when asked (a terminal), with az's 256-color codes.
 */

export interface PropertyChange {
  path: string;
  propertyChangeType: string;
  before?: unknown;
  after?: unknown;
  children?: PropertyChange[];
}

export interface WhatIfChange {
  resourceId: string;
  changeType: string;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  delta?: PropertyChange[];
}

const Color = {
  orange: '\x1b[38;5;208m',
  green: '\x1b[38;5;77m',
  purple: '\x1b[38;5;141m',
  blue: '\x1b[38;5;39m',
  gray: '\x1b[38;5;246m',
  reset: '\x1b[0m',
};

/** By change type (resource or property): symbol, color and weight (the sort order). */
const CHANGE: Record<string, { symbol: string; color: string; weight: number }> = {
  Delete: { symbol: '-', color: Color.orange, weight: 0 },
  Create: { symbol: '+', color: Color.green, weight: 1 },
  Deploy: { symbol: '!', color: Color.blue, weight: 2 },
  Modify: { symbol: '~', color: Color.purple, weight: 3 },
  NoChange: { symbol: '=', color: Color.reset, weight: 4 },
  Unsupported: { symbol: 'x', color: Color.gray, weight: 5 },
  Ignore: { symbol: '*', color: Color.gray, weight: 6 },
  NoEffect: { symbol: 'x', color: Color.gray, weight: 7 },
};
const PROPERTY: Record<string, { symbol: string; color: string; weight: number }> = {
  Delete: { symbol: '-', color: Color.orange, weight: 0 },
  Create: { symbol: '+', color: Color.green, weight: 1 },
  Modify: { symbol: '~', color: Color.purple, weight: 2 },
  Array: { symbol: '~', color: Color.purple, weight: 2 },
  NoEffect: { symbol: 'x', color: Color.gray, weight: 3 },
};
const COUNTED: Record<string, string> = {
  Create: 'to create',
  Delete: 'to delete',
  Deploy: 'to deploy',
  Modify: 'to modify',
  Ignore: 'to ignore',
  NoChange: 'no change',
  Unsupported: 'unsupported',
};

const change = (type: string) => CHANGE[type] ?? { symbol: 'x', color: Color.gray, weight: 8 };
const property = (type: string) => PROPERTY[type] ?? { symbol: 'x', color: Color.gray, weight: 4 };

/** The report, ending with a line break (az prints it). */
export function whatIfReport(changes: WhatIfChange[], color: boolean): string {
  const b = new Builder(color);
  b.line('Note: The result may contain false positive predictions (noise).');
  b.line('You can help us improve the accuracy of the result by opening an issue here: https://aka.ms/WhatIfIssues');
  b.line();
  legend(b, changes);
  resourceChanges(b, changes);
  stats(b, changes);
  return `${b.build()}\n`;
}

/** knack's ColoredStringBuilder: color scopes nest, each end restores the enclosing color. */
class Builder {
  private readonly parts: string[] = [];
  private readonly colors: string[] = [];

  constructor(private readonly color: boolean) {}

  build = () => this.parts.join('');

  add(value: string, color?: string): this {
    if (color) this.push(color);
    this.parts.push(value);
    if (color) this.pop();
    return this;
  }

  line(value = '', color?: string): this {
    return this.add(`${value}\n`, color);
  }

  scope(color: string, body: () => void): void {
    this.push(color);
    body();
    this.pop();
  }

  indent(level = 1): this {
    return this.add('  '.repeat(Math.max(0, level)));
  }

  private push(color: string) {
    if (!this.color) return;
    this.colors.push(color);
    this.parts.push(color);
  }

  private pop() {
    if (!this.color) return;
    this.colors.pop();
    this.parts.push(this.colors.at(-1) ?? Color.reset);
  }
}

/** Python's str.title() of a one-word change type: `NoChange` is shown `Nochange`, as az shows it. */
const title = (type: string) => type.charAt(0).toUpperCase() + type.slice(1).toLowerCase();

function legend(b: Builder, changes: WhatIfChange[]) {
  if (changes.length === 0) return;
  const types = new Set<string>();
  const addProperties = (deltas: PropertyChange[] | undefined) => {
    for (const d of deltas ?? []) {
      types.add(d.propertyChangeType === 'Array' ? 'Modify' : d.propertyChangeType);
      addProperties(d.children);
    }
  };
  for (const c of changes) {
    types.add(c.changeType);
    addProperties(c.delta);
  }
  const sorted = [...types].sort((x, y) => change(x).weight - change(y).weight);
  b.add('Resource and property changes are indicated with ');
  b.line(sorted.length === 1 ? 'this symbol:' : 'these symbols:');
  for (const type of sorted) {
    b.indent();
    b.add(change(type).symbol, change(type).color).add(' ');
    b.line(title(type));
  }
}

function stats(b: Builder, changes: WhatIfChange[]) {
  b.line().add('Resource changes: ');
  if (changes.length === 0) return void b.add('no change.');
  const counts = new Map<string, number>();
  for (const c of [...changes].sort((x, y) => change(x.changeType).weight - change(y.changeType).weight))
    counts.set(c.changeType, (counts.get(c.changeType) ?? 0) + 1);
  b.add([...counts].map(([type, count]) => `${count} ${COUNTED[type] ?? type.toLowerCase()}`).join(', ')).add('.');
}

function resourceChanges(b: Builder, changes: WhatIfChange[]) {
  if (changes.length === 0) return;
  const byScope = new Map<string, WhatIfChange[]>();
  for (const c of changes) {
    const key = splitResourceId(c.resourceId).scope.toUpperCase();
    byScope.set(key, [...(byScope.get(key) ?? []), c]);
  }
  b.line();
  b.line(`The deployment will update the following ${byScope.size === 1 ? 'scope:' : 'scopes'}`);
  for (const key of [...byScope.keys()].sort()) {
    const inScope = byScope.get(key)!;
    b.line().line(`Scope: ${splitResourceId(inScope[0].resourceId).scope}`);
    const sorted = [...inScope].sort(
      (x, y) =>
        change(x.changeType).weight - change(y.changeType).weight ||
        compareText(splitResourceId(x.resourceId).relative, splitResourceId(y.resourceId).relative),
    );
    // One color scope per run of a change type, as az's groupby.
    for (let i = 0; i < sorted.length;) {
      const type = sorted[i].changeType;
      b.scope(change(type).color, () => {
        for (; i < sorted.length && sorted[i].changeType === type; i++)
          resourceChange(b, sorted[i], i === sorted.length - 1);
      });
    }
  }
}

function resourceChange(b: Builder, c: WhatIfChange, isLast: boolean) {
  const apiVersion = (c.before?.apiVersion ?? c.after?.apiVersion) as string | undefined;
  b.line();
  path(b, splitResourceId(c.resourceId).relative, 0, 1, {
    head: () => b.add(change(c.changeType).symbol).add(' '),
    tail: () => {
      if (apiVersion) b.scope(Color.reset, () => b.add(` [${apiVersion}]`));
    },
  });
  if (c.changeType === 'Create' && isNonEmptyObject(c.after)) json(b, c.after, '', 0, 2);
  else if (c.changeType === 'Delete' && isNonEmptyObject(c.before)) json(b, c.before, '', 0, 2);
  else if (c.delta && c.delta.length > 0)
    b.scope(Color.reset, () => {
      b.line();
      propertyChanges(b, sortedDeltas(c.delta!), 2);
    });
  else if (isLast) b.line();
}

const sortedDeltas = (deltas: PropertyChange[]) =>
  [...deltas].sort(
    (x, y) =>
      property(x.propertyChangeType).weight - property(y.propertyChangeType).weight || compareText(x.path, y.path),
  );

function propertyChanges(b: Builder, deltas: PropertyChange[], level: number) {
  const max = Math.max(0, ...deltas.filter(considered).map((d) => d.path.length));
  for (const d of deltas) {
    propertyChangeOf(b, d, max, level);
    b.line();
  }
}

/** Whether a change's path sets the width its siblings' values are aligned at. */
function considered(d: PropertyChange): boolean {
  if (d.propertyChangeType === 'Create') return isLeaf(d.after);
  if (d.propertyChangeType === 'Delete' || d.propertyChangeType === 'Modify') return isLeaf(d.before);
  return !d.children?.length;
}

function propertyChangeOf(b: Builder, d: PropertyChange, max: number, level: number) {
  const type = d.propertyChangeType;
  const shown = type === 'Array' ? d.children : type === 'Delete' || type === 'Modify' ? d.before : d.after;
  if (d.path) {
    let padding = max - d.path.length + 1;
    if (isNonEmptyArray(shown)) padding = 1;
    if (isNonEmptyObject(shown)) padding = 0;
    if (type === 'Modify' && d.children?.length) padding = 0;
    path(b, d.path, padding, level, {
      head: () => b.add(property(type).symbol, property(type).color).add(' '),
      tail: () => b.add(':', Color.reset),
    });
  }
  switch (type) {
    case 'Create':
      return colored(b, PROPERTY.Create.color, d.after, level + 1);
    case 'Delete':
      return colored(b, PROPERTY.Delete.color, d.before, level + 1);
    case 'Modify':
      return modify(b, d, level + 1);
    case 'Array':
      return arrayChange(b, d, level + 1);
    default:
      return colored(b, PROPERTY.NoEffect.color, d.after, level + 1);
  }
}

const colored = (b: Builder, color: string, value: unknown, level: number) =>
  b.scope(color, () => json(b, value, '', 0, level));

function modify(b: Builder, d: PropertyChange, level: number) {
  if (d.children?.length) {
    b.line().line();
    return propertyChanges(b, sortedDeltas(d.children), level);
  }
  colored(b, PROPERTY.Delete.color, d.before, level);
  if (isNonEmptyObject(d.before)) b.line().indent(level);
  else b.add(' ');
  b.add('=>');
  if (!isNonEmptyObject(d.after)) b.add(' ');
  colored(b, PROPERTY.Create.color, d.after, level);
  if (!isLeaf(d.before) && isLeaf(d.after)) b.line();
}

function arrayChange(b: Builder, parent: PropertyChange, level: number) {
  if (!parent.path) {
    // A nested array change has no path: its "[" goes on a line of its own.
    level -= 1;
    b.indent(level);
  }
  if (!parent.children?.length) return void b.line('[]');
  b.add('[').line();
  const children = [...parent.children].sort(
    (x, y) =>
      Number(x.path) - Number(y.path) || property(x.propertyChangeType).weight - property(y.propertyChangeType).weight,
  );
  propertyChanges(b, children, level);
  b.indent(level).add(']');
}

/** `_format_path`: indent, head, the path, tail, padding. */
function path(
  b: Builder,
  text: string,
  padding: number,
  level: number,
  parts: { head?: () => void; tail?: () => void },
) {
  if (!text) return;
  b.indent(level);
  parts.head?.();
  b.add(text);
  parts.tail?.();
  b.add(' '.repeat(Math.max(0, padding)));
}

const jsonPath = (b: Builder, text: string, padding: number, level: number) =>
  path(b, text, padding, level, { tail: () => b.add(':', Color.reset) });

/** `_format_json`: a value as az's what-if shows it, nested objects flattened to dotted paths. */
function json(b: Builder, value: unknown, at: string, max: number, level: number) {
  if (isLeaf(value)) {
    jsonPath(b, at, max - at.length + 1, level);
    leaf(b, value);
  } else if (isNonEmptyArray(value)) {
    jsonPath(b, at, 1, level);
    array(b, value, level);
  } else {
    object(b, value as Record<string, unknown>, at, max, level);
  }
}

function leaf(b: Builder, value: unknown) {
  if (value === null || value === undefined) b.add('null');
  else if (typeof value === 'string') b.add(`"${value}"`);
  else if (Array.isArray(value)) b.add('[]');
  else if (typeof value === 'object') b.add('{}');
  else b.add(String(value));
}

function array(b: Builder, value: unknown[], level: number) {
  b.add('[', Color.reset).line();
  const lastLeaf = value.reduce<number>((last, item, i) => (isLeaf(item) ? i : last), 0);
  const max = String(lastLeaf).length;
  value.forEach((item, i) => {
    if (isNonEmptyObject(item)) {
      jsonPath(b, String(i), 0, level + 1);
      object(b, item, '', 0, level + 1);
    } else json(b, item, String(i), max, level + 1);
    b.line();
  });
  b.indent(level).add(']', Color.reset);
}

function object(b: Builder, value: Record<string, unknown>, at: string, max: number, level: number) {
  const root = !at;
  if (root) {
    b.line().line();
    max = maxPathLength(value);
    level += 1;
  }
  for (const [key, child] of Object.entries(value)) {
    json(b, child, root ? key : `${at}.${key}`, max, level);
    if (!isNonEmptyObject(child)) b.line();
  }
}

/** The longest dotted path of an object's leaves, arrays left out (their values start on their own lines). */
function maxPathLength(value: Record<string, unknown>): number {
  let max = 0;
  for (const [key, child] of Object.entries(value)) {
    if (isNonEmptyArray(child)) continue;
    max = Math.max(max, isNonEmptyObject(child) ? key.length + 1 + maxPathLength(child) : key.length);
  }
  return max;
}

function isLeaf(value: unknown): boolean {
  return !isNonEmptyArray(value) && !isNonEmptyObject(value);
}

const isNonEmptyArray = (value: unknown): value is unknown[] => Array.isArray(value) && value.length > 0;

const isNonEmptyObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0;

/** Python's string order (by code point), which az sorts ids and paths by. */
const compareText = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/** az's `split_resource_id`: the scope (subscription id lower-cased) and the id relative to it. */
export function splitResourceId(id: string): { scope: string; relative: string } {
  const subscription = /^\/?subscriptions\/([a-f0-9-]+)/i.exec(id);
  if (!subscription) return { scope: '/', relative: /^\/providers\/(.+)$/i.exec(id)?.[1] ?? '' };
  const scope = `/subscriptions/${subscription[1].toLowerCase()}`;
  let rest = id.slice(subscription[0].length);
  const group = /^\/resourceGroups\/([-\w._()]+)/i.exec(rest);
  rest = rest.slice(group?.[0].length ?? 0);
  const relative = /^\/providers\/(.+)$/i.exec(rest)?.[1];
  if (!group) return { scope, relative: relative ?? '' };
  return relative === undefined
    ? { scope, relative: `resourceGroups/${group[1]}` }
    : { scope: `${scope}/resourceGroups/${group[1]}`, relative };
}
