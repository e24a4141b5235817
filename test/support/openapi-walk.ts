/**
 * Walks a Swagger 2 model (the definitions of an Azure REST spec, test/api/spec-models/) for every
 * property a client may write: each leaf (a string, number, boolean, enum or string map) that is not
 * readOnly, with its JSON path in ARM's own notation (`properties.storageProfile.dataDisks[0].lun`,
 * an array by its first item), and the values a probe tries for it: every enum value, both booleans,
 * a small integer, a string (or what `strings` gives for that path).
 *
 * The rule a probe checks (issue 18): a PUT carrying the value is either answered 2xx with the value
 * at that path, or refused with a 4xx whose error names the path (`target`, a detail's `target`, or
 * the message). Anything else is a departure: dropped (2xx without it), a different value, a refusal
 * naming another field, or a 5xx.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Swagger schemas and ARM bodies are free-form
type Json = any;

export interface Leaf {
  path: string;
  schema: Json;
}

export function writableLeaves(definitions: Record<string, Json>, root: string): Leaf[] {
  const leaves: Leaf[] = [];
  const walk = (schema: Json, path: string, depth: number) => {
    const resolved = resolve(definitions, schema);
    if (resolved.readOnly || depth > 12) return;
    if (resolved.type === 'array') return walk(resolved.items, `${path}[0]`, depth + 1);
    const properties = ownProperties(definitions, resolved);
    if (Object.keys(properties).length === 0) {
      leaves.push({ path, schema: resolved });
      return;
    }
    for (const [name, property] of Object.entries(properties))
      walk(property, path ? `${path}.${name}` : name, depth + 1);
  };
  walk({ $ref: `#/definitions/${root}` }, '', 0);
  return leaves;
}

/** A schema with its `$ref` followed (the referring schema's own readOnly kept). */
function resolve(definitions: Record<string, Json>, schema: Json): Json {
  if (!schema?.$ref) return schema ?? {};
  const target = definitions[schema.$ref.split('/').pop()];
  if (!target) throw new Error(`no definition for ${schema.$ref}`);
  return { ...resolve(definitions, target), ...(schema.readOnly ? { readOnly: true } : {}) };
}

/** Properties of a schema and of everything it is `allOf`. */
function ownProperties(definitions: Record<string, Json>, schema: Json): Record<string, Json> {
  const inherited = (schema.allOf ?? []).map((s: Json) => ownProperties(definitions, resolve(definitions, s)));
  return Object.assign({}, ...inherited, schema.properties ?? {});
}

/** What a probe tries at a leaf: `strings` answers for string leaves it knows (ids, URIs). */
export function probeValues(leaf: Leaf, strings: (path: string) => string | undefined): unknown[] {
  const { schema } = leaf;
  if (Array.isArray(schema.enum)) return schema.enum;
  if (schema.type === 'boolean') return [true, false];
  if (schema.type === 'integer' || schema.type === 'number') return [1];
  if (schema.type === 'object' && schema.additionalProperties) return [{ probe: 'value' }];
  return [strings(leaf.path) ?? 'probe'];
}

/** Sets `value` at an ARM path, making the objects and first array items on the way. */
export function setAt(body: Json, path: string, value: unknown, newItem: (arrayPath: string) => Json = () => ({})) {
  const steps = path.split('.').flatMap((step) => {
    const array = /^(.*)\[0\]$/.exec(step);
    return array ? [array[1], 0] : [step];
  });
  let node = body;
  let at = '';
  steps.forEach((step, i) => {
    at = typeof step === 'number' ? `${at}[0]` : at ? `${at}.${step}` : step;
    if (i === steps.length - 1) {
      node[step] = value;
      return;
    }
    if (node[step] === undefined) node[step] = typeof steps[i + 1] === 'number' ? [] : step === 0 ? newItem(at) : {};
    node = node[step];
  });
}

/** The value at an ARM path, or undefined. */
export function getAt(body: Json, path: string): unknown {
  return path
    .split('.')
    .flatMap((step) => {
      const array = /^(.*)\[0\]$/.exec(step);
      return array ? [array[1], 0] : [step];
    })
    .reduce((node: Json, step) => node?.[step], body);
}

/** Whether an ARM error names `path` as the field at fault. */
export function namesPath(error: Json, path: string): boolean {
  const lower = path.toLowerCase();
  const targets = [error?.target, ...(error?.details ?? []).map((d: Json) => d?.target)];
  return (
    targets.some((t) => typeof t === 'string' && t.toLowerCase() === lower) ||
    (typeof error?.message === 'string' && error.message.toLowerCase().includes(lower))
  );
}
