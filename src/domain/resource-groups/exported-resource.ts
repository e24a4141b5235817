/**
 * One resource as an exported template holds it: its type, the newest stable api-version Kiln serves
 * for it, its name, location, tags, sku, kind, identity and properties, without what only the server
 * sets (its descriptor's `readOnly`: states, its own ids and etags, times), ids in its properties
 * turned into expressions and dependencies (template-names.ts) and every other string kept a literal.
 */
import { formatResourceId, parseResourceId } from '../../core/resource-id.ts';
import type { StoredRecord } from '../../ports/metadata-store.ts';
import type { ArmResource, ResourceData } from '../shared/arm-resource.ts';
import type { ResourceTypeDescriptor } from '../shared/resource-type.ts';
import type { ExportOptions } from './export-request.ts';
import { literal, type TemplateNames } from './template-names.ts';

export interface TemplateResource {
  comments?: string;
  type: string;
  apiVersion: string;
  name: string;
  location?: string;
  dependsOn?: string[];
  [field: string]: unknown;
}

/** The newest version without `preview`, else the newest. */
export const newestApiVersion = (versions: readonly string[]) =>
  versions.filter((v) => !v.includes('preview')).at(-1) ?? versions.at(-1)!;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `value` without what `path` names (`a.b`, `a[].b` through an array); an object left empty by it goes
 * too, as it only held what the server sets.
 */
function omit(value: unknown, path: string[]): unknown {
  if (path.length === 0) return undefined;
  const [head, ...rest] = path;
  const walks = head.endsWith('[]');
  const key = walks ? head.slice(0, -2) : head;
  if (!isObject(value) || !(key in value)) return value;
  const inner = value[key];
  const changed = walks ? (Array.isArray(inner) ? inner.map((item) => omit(item, rest)) : inner) : omit(inner, rest);
  const { [key]: _dropped, ...others } = value;
  if (changed === undefined || (isObject(changed) && Object.keys(changed).length === 0 && isObject(inner)))
    return others;
  return { ...others, [key]: changed };
}

/** `value` with every resource id turned into its template expression (their dependencies into `dependsOn`) and every other string a literal. */
function rewrite(value: unknown, names: TemplateNames, dependsOn: Set<string>): unknown {
  if (typeof value === 'string') {
    const reference = names.reference(value);
    if (!reference) return literal(value);
    if (reference.dependsOn) dependsOn.add(reference.dependsOn);
    return reference.value;
  }
  if (Array.isArray(value)) return value.map((item) => rewrite(item, names, dependsOn));
  if (isObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v, names, dependsOn)]));
  return value;
}

/** A user-assigned identity's keys are ids too; what Azure fills in for each (principalId, clientId) is the server's. */
function exportedIdentity(identity: unknown, names: TemplateNames, dependsOn: Set<string>): unknown {
  if (!isObject(identity)) return identity;
  const { type, userAssignedIdentities } = identity;
  if (!isObject(userAssignedIdentities)) return { type };
  const keys = Object.keys(userAssignedIdentities).map((id) => rewrite(id, names, dependsOn) as string);
  return { type, userAssignedIdentities: Object.fromEntries(keys.map((key) => [key, {}])) };
}

export function exportedResource(
  record: StoredRecord<ResourceData<ArmResource, unknown>>,
  descriptor: ResourceTypeDescriptor,
  names: TemplateNames,
  options: ExportOptions,
): TemplateResource {
  const { resource } = record.data;
  const id = parseResourceId(resource.id)!;
  let kept: unknown = resource;
  for (const path of descriptor.readOnly ?? []) kept = omit(kept, path.split('.'));
  const { properties, tags, sku, kind, identity } = kept as ArmResource;
  const dependsOn = new Set<string>();
  // A nested resource needs its parent first, when the template makes the parent too.
  if (id.types.length > 1) {
    const parent = names.reference(formatResourceId({ ...id, types: id.types.slice(0, -1) }));
    if (parent?.dependsOn) dependsOn.add(parent.dependsOn);
  }
  const exported: TemplateResource = {
    ...(options.includeComments ? { comments: `Generalized from resource: '${resource.id}'.` } : {}),
    type: resource.type,
    apiVersion: newestApiVersion(descriptor.apiVersions),
    name: names.nameOf(id),
  };
  if (resource.location !== undefined) exported.location = resource.location;
  const body: Record<string, unknown> = {};
  if (tags !== undefined) body.tags = Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, literal(v)]));
  if (sku !== undefined) body.sku = sku;
  if (kind !== undefined) body.kind = kind;
  if (identity !== undefined) body.identity = exportedIdentity(identity, names, dependsOn);
  body.properties = rewrite(properties ?? {}, names, dependsOn);
  dependsOn.delete(names.resourceIdOf(id));
  if (dependsOn.size > 0) exported.dependsOn = [...dependsOn];
  return { ...exported, ...body };
}
