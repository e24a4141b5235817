/**
 * Walks a Swagger 2 model (the definitions of an Azure REST spec, test/api/spec-models/) for every
 * property a client may write: each leaf (a string, number, boolean, enum or string map) that is not
 * readOnly, with its JSON path in ARM's own notation (`properties.storageProfile.dataDisks[0].lun`,
 * an array by its first item), and the values a probe tries for it: every enum value, both booleans,
 * a small integer, a string (or what `strings` gives for that path). A discriminated union (Swagger's
 * `discriminator`, as an image template's customizers) is walked kind by kind: each kind's
 * discriminator value and own properties, the probe's body carrying that kind at the union's path;
 * such a leaf is named with the kind after the union's path (`properties.customize[0](Shell).inline[0]`).
 *
 * The rule a probe checks (issue 18): a PUT carrying the value is either answered 2xx with the value
 * at that path, or refused with a 4xx whose error names the path (`target`, a detail's `target`, or
 * the message; a feature Kiln refuses whole, PropertyNotSupported, may be named at its own path). Anything else is a departure: dropped (2xx without it), a different value, a refusal
 * naming another field, or a 5xx.
 */

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { armCaller } from './arm-call.ts';
import { startTestServer } from './test-server.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Swagger schemas and ARM bodies are free-form
type Json = any;

/** A kind of a discriminated union on a leaf's way: the object at `at` has `property` = `value`. */
export interface Kind {
  at: string;
  property: string;
  value: string;
}

export interface Leaf {
  /** Its JSON path, as a body has it. */
  path: string;
  /** The path with the kinds on the way (`[0](Shell)`): how departures name the leaf. */
  label: string;
  schema: Json;
  /** The kinds of the discriminated unions on the way, outermost first. */
  kinds: Kind[];
}

function writableLeaves(definitions: Record<string, Json>, root: string): Leaf[] {
  const leaves: Leaf[] = [];
  const join = (path: string, name: string) => (path ? `${path}.${name}` : name);
  const walk = (schema: Json, path: string, label: string, kinds: Kind[], depth: number) => {
    const resolved = resolve(definitions, schema);
    if (resolved.readOnly || depth > 12) return;
    if (resolved.type === 'array') return walk(resolved.items, `${path}[0]`, `${label}[0]`, kinds, depth + 1);
    if (resolved.discriminator && schema.$ref) {
      for (const [name, variant] of subtypes(definitions, schema.$ref)) {
        const kind = { at: path, property: resolved.discriminator, value: variant['x-ms-discriminator-value'] ?? name };
        const within = [...kinds, kind];
        const named = `${label}(${kind.value})`;
        leaves.push({
          path: join(path, kind.property),
          label: join(named, kind.property),
          schema: { type: 'string', enum: [kind.value] },
          kinds: within,
        });
        for (const [field, property] of Object.entries(ownProperties(definitions, variant)))
          if (field !== kind.property) walk(property, join(path, field), join(named, field), within, depth + 1);
      }
      return;
    }
    const properties = ownProperties(definitions, resolved);
    if (Object.keys(properties).length === 0) {
      leaves.push({ path, label, schema: resolved, kinds });
      return;
    }
    for (const [name, property] of Object.entries(properties))
      walk(property, join(path, name), join(label, name), kinds, depth + 1);
  };
  walk({ $ref: `#/definitions/${root}` }, '', '', [], 0);
  return leaves;
}

/** The definitions that are `allOf` the one `ref` names: the kinds of a discriminated union. */
function subtypes(definitions: Record<string, Json>, ref: string): Array<[string, Json]> {
  return Object.entries(definitions).filter(([, definition]) =>
    (definition.allOf ?? []).some((s: Json) => s.$ref === ref),
  );
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
function probeValues(leaf: Leaf, strings: (path: string) => string | undefined): unknown[] {
  const { schema } = leaf;
  if (Array.isArray(schema.enum)) return schema.enum;
  if (schema.type === 'boolean') return [true, false];
  if (schema.type === 'integer' || schema.type === 'number') return [1];
  if (schema.type === 'object' && schema.additionalProperties) return [{ probe: 'value' }];
  if (schema.format === 'date-time') return ['2035-01-01T00:00:00Z'];
  return [strings(leaf.path) ?? 'probe'];
}

export interface Walk {
  /** The model file's definitions and the one a PUT body is. */
  definitions: Record<string, Json>;
  root: string;
  /** A valid body for the n-th probe (names that must be unique made so). */
  base: (n: number) => Json;
  strings: (path: string) => string | undefined;
  /** The values to probe a leaf with, where the defaults would not do (a map keyed by ids); undefined: the defaults. */
  values?: (leaf: Leaf) => unknown[] | undefined;
  /** Makes room for a probe of `value` at `path` (drops what it replaces, such as another source or another kind). */
  prepare?: (body: Json, path: string, leaf: Leaf, value: unknown) => void;
  /** The first item of the array at `arrayPath` when a probe at `path` makes it (of the kind `leaf.kinds` gives). */
  newItem?: (arrayPath: string, path: string, leaf: Leaf) => Json;
  put: (n: number, body: Json) => Promise<{ status: number; body: Json }>;
}

/** Probes every writable leaf of the model; answers the departures from the rule, by `path = value`. */
export async function walkModel(
  walk: Walk,
): Promise<{ leaves: number; probes: number; departures: Record<string, string> }> {
  const leaves = writableLeaves(walk.definitions, walk.root);
  const departures: Record<string, string> = {};
  let probes = 0;
  for (const leaf of leaves) {
    for (const value of walk.values?.(leaf) ?? probeValues(leaf, walk.strings)) {
      const n = probes++;
      const body = walk.base(n);
      walk.prepare?.(body, leaf.path, leaf, value);
      const newItem = (arrayPath: string) => walk.newItem?.(arrayPath, leaf.path, leaf) ?? {};
      for (const kind of leaf.kinds) setAt(body, `${kind.at}.${kind.property}`, kind.value, newItem);
      setAt(body, leaf.path, value, newItem);
      const answer = await walk.put(n, body);
      const error = answer.body?.error;
      const outcome =
        answer.status >= 500
          ? `answered ${answer.status}`
          : answer.status >= 400
            ? namesPath(error, leaf.path)
              ? undefined
              : `refused naming ${error?.target ?? 'no field'}: ${error?.message}`
            : sameValue(getAt(answer.body, leaf.path), value)
              ? undefined
              : `answered ${answer.status} with ${JSON.stringify(getAt(answer.body, leaf.path))}`;
      if (outcome) departures[`${leaf.label} = ${JSON.stringify(value)}`] = outcome;
    }
  }
  return { leaves: leaves.length, probes, departures };
}

/** The walk's departures are the `expected` ones, no more, no fewer (what each probe met shown when not). */
export function assertDepartures(
  t: { diagnostic(message: string): void },
  result: Awaited<ReturnType<typeof walkModel>>,
  expected: Record<string, string>,
): void {
  t.diagnostic(`${result.leaves} writable properties, ${result.probes} probes`);
  assert.deepEqual(
    Object.keys(result.departures).sort(),
    Object.keys(expected).sort(),
    JSON.stringify(result.departures, null, 2),
  );
}

/**
 * ARM's equality for names, ids and regions (case, spaces, a leading '/'), instants for date-times, deep
 * for the rest; an empty object sent as a map's value (a user-assigned identity's `{}`) is answered
 * with what the service fills in.
 */
function sameValue(answered: unknown, sent: unknown): boolean {
  if (typeof sent === 'string' && typeof answered === 'string') {
    const instant = /^\d{4}-\d\d-\d\dT/.test(sent) && Date.parse(sent) === Date.parse(answered);
    const name = (text: string) => text.replace(/^\//, '').replace(/\s+/g, '').toLowerCase();
    return instant || name(answered) === name(sent);
  }
  if (isMap(sent) && isMap(answered) && Object.values(sent).some(isMap)) {
    const keys = (map: Record<string, unknown>) => Object.keys(map).map((key) => key.toLowerCase());
    const found = (key: string) => Object.entries(answered).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
    return (
      keys(sent).sort().join() === keys(answered).sort().join() &&
      Object.entries(sent).every(([key, value]) =>
        isMap(value) && Object.keys(value).length === 0 ? isMap(found(key)) : sameValue(found(key), value),
      )
    );
  }
  return JSON.stringify(answered) === JSON.stringify(sent);
}

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Sets `value` at an ARM path, making the objects and first array items on the way. */
function setAt(body: Json, path: string, value: unknown, newItem: (arrayPath: string) => Json = () => ({})) {
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

/**
 * Whether an ARM error names `path` as the field at fault: as its target (or a detail's), in its
 * message, or, for a feature refused whole (PropertyNotSupported), as the feature's own path above it.
 */
function namesPath(error: Json, path: string): boolean {
  const lower = path.toLowerCase();
  const errors = [error, ...(error?.details ?? [])];
  return (
    errors.some(
      (e) =>
        typeof e?.target === 'string' &&
        (e.target.toLowerCase() === lower ||
          (e.code === 'PropertyNotSupported' && lower.startsWith(`${e.target.toLowerCase()}`))),
    ) ||
    (typeof error?.message === 'string' && error.message.toLowerCase().includes(lower))
  );
}

/** A model file of test/api/spec-models: its definitions. */
export async function readSpecModel(file: string): Promise<Record<string, Json>> {
  return JSON.parse(await readFile(join(import.meta.dirname, '..', 'api', 'spec-models', file), 'utf8')).definitions;
}

/**
 * A walk's server: a test server (with `options`) holding the resource group `walk` in westus, a
 * management token, and a caller whose probes name their own api-version.
 */
export async function startWalkServer(options?: Parameters<typeof startTestServer>[0]) {
  const kiln = await startTestServer(options);
  const token = (await kiln.credential.getToken('https://management.azure.com/.default'))!.token;
  const arm = armCaller(kiln, '2026-01-01');
  const group = `/subscriptions/${kiln.subscriptionId}/resourceGroups/walk`;
  const made = await arm(token, 'PUT', `${group}?api-version=2022-09-01`, { location: 'westus' });
  assert.ok(made.status < 300, JSON.stringify(made.body));
  return { kiln, token, group, call: (method: string, path: string, body?: unknown) => arm(token, method, path, body) };
}
