/**
 * How an exported template names resources, as ARM's export does: a parameter per top-level resource
 * name (`galleries_shelf_name`), a nested resource named from its parent's
 * (`[concat(parameters('galleries_shelf_name'), '/debian')]`), an id of an exported resource (or of a
 * child of one, as a subnet of an exported network) as `[resourceId(...)]` with a dependency on it,
 * and an id of anything else as an `..._externalid` parameter. `SkipResourceNameParameterization`
 * writes names as they are; `SkipAllParameterization` makes no parameter at all.
 *
 * Invariant: every literal goes through `quoted` ('' for '), so no name can end an expression early.
 */
import { parseResourceId, resourceKey, type ResourceId } from '../../core/resource-id.ts';
import type { ExportOptions } from './export-request.ts';

export interface TemplateParameter {
  defaultValue?: string;
  type: 'String';
}

/** A string as a template expression literal. */
const quoted = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** ARM reads a string that starts with `[` and ends with `]` as an expression; `[[` keeps it a literal. */
export const literal = (value: string) => (value.startsWith('[') && value.endsWith(']') ? `[${value}` : value);

/** `Microsoft.Compute/galleries/images` of an id with a namespace. */
const typeOf = (id: ResourceId) => [id.namespace, ...id.types.map(([type]) => type)].join('/');

const withTypes = (id: ResourceId, depth: number): ResourceId => ({ ...id, types: id.types.slice(0, depth) });

export class TemplateNames {
  private readonly params = new Map<string, TemplateParameter>();
  /** The parameter made for each top-level name or external id, by lower-cased id. */
  private readonly paramOf = new Map<string, string>();

  constructor(
    private readonly options: ExportOptions,
    /** Lower-cased ids of the resources the template holds. */
    private readonly exported: ReadonlySet<string>,
  ) {}

  /** The parameters made so far. */
  parameters(): Record<string, TemplateParameter> {
    return Object.fromEntries(this.params);
  }

  private parameter(key: string, wanted: string, value: string): string {
    const known = this.paramOf.get(key);
    if (known) return known;
    let name = wanted.replace(/[^A-Za-z0-9_]/g, '_');
    for (let n = 2; this.params.has(name); n++) name = `${wanted.replace(/[^A-Za-z0-9_]/g, '_')}_${n}`;
    this.params.set(name, {
      ...(this.options.includeParameterDefaultValue ? { defaultValue: value } : {}),
      type: 'String',
    });
    this.paramOf.set(key, name);
    return name;
  }

  /** The name arguments of `resourceId()` for `id`: its top-level name (a parameter, or literal), then its children's. */
  private nameArguments(id: ResourceId): string[] {
    const [[collection, top], ...children] = id.types;
    const parameterized = !this.options.skipAllParameterization && !this.options.skipResourceNameParameterization;
    const first = parameterized
      ? `parameters('${this.parameter(resourceKey(withTypes(id, 1)), `${collection}_${top}_name`, top)}')`
      : quoted(top);
    return [first, ...children.map(([, name]) => quoted(name))];
  }

  /** The `name` of a resource in the template. */
  nameOf(id: ResourceId): string {
    const [first, ...rest] = this.nameArguments(id);
    if (!first.startsWith('parameters(')) return literal(id.types.map(([, name]) => name).join('/'));
    return rest.length === 0
      ? `[${first}]`
      : `[concat(${first}, '/${id.types
          .slice(1)
          .map(([, n]) => n.replace(/'/g, "''"))
          .join('/')}')]`;
  }

  /** `[resourceId('type', names...)]` of `id`. */
  resourceIdOf(id: ResourceId): string {
    return `[resourceId(${[quoted(typeOf(id)), ...this.nameArguments(id)].join(', ')})]`;
  }

  /** The exported resource `id` is or is under (the nearest), if any. */
  private exportedAround(id: ResourceId): ResourceId | undefined {
    for (let depth = id.types.length; depth > 0; depth--)
      if (this.exported.has(resourceKey(withTypes(id, depth)))) return withTypes(id, depth);
    return undefined;
  }

  /**
   * What the template writes for a string that may be a resource id: undefined when it is not one; an
   * id of or under an exported resource as an expression with the dependency it makes; another as a
   * parameter (or as it is, with no parameters).
   */
  reference(value: string): { value: string; dependsOn?: string } | undefined {
    const id = parseResourceId(value);
    if (!value.startsWith('/') || id?.namespace === undefined || id.types.length === 0) return undefined;
    const around = this.exportedAround(id);
    if (around) return { value: this.resourceIdOf(id), dependsOn: this.resourceIdOf(around) };
    if (this.options.skipAllParameterization) return { value: literal(value) };
    const [collection] = id.types.at(-1)!;
    const names = id.types.map(([, name]) => name).join('_');
    return {
      value: `[parameters('${this.parameter(resourceKey(value), `${collection}_${names}_externalid`, value)}')]`,
    };
  }
}
