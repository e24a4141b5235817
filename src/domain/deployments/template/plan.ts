/**
 * A template's resources as the deployment will deploy them: every copy loop expanded, conditions
 * decided, child resources (`resources` inside a resource) given their full type and name, each
 * resource's id, and its dependencies, explicit (`dependsOn`: a name, a copy loop's name or a
 * resource id) and implicit (a child on its parent, `reference()` and `list*()` of a resource of the
 * template, a serial loop's batches). Computed before anything is deployed, so what ARM refuses up
 * front is refused at the PUT: a missing field, a name with the wrong number of segments, a
 * dependency on nothing, a cycle. Properties are evaluated later, when the resource starts
 * (resource-body.ts), since they may read resources deployed before them.
 */
import { formatResourceId, resourceKey, type ResourceId } from '../../../core/resource-id.ts';
import { functionCalls, isExpression, parseExpression } from './expressions/parse.ts';
import { evaluateValue } from './evaluate-value.ts';
import type { CopyLoop, TemplateContext } from './template-scope.ts';
import { invalidTemplate, isObject, member } from './template-error.ts';

export interface PlannedResource {
  /** Unique in the plan: the template resource's path, with the copy index of each loop around it. */
  key: string;
  /** JSON path of the resource in the request (`properties.template.resources[1].resources[0]`). */
  path: string;
  loops: CopyLoop[];
  id: string;
  type: string;
  name: string;
  apiVersion: string;
  /** Keys of the planned resources it waits for. */
  dependsOn: string[];
  /** A nested deployment (`Microsoft.Resources/deployments`). */
  deployment?: boolean;
  /** Not in the template: a complete-mode deployment deletes it (complete-mode.ts). */
  deletes?: boolean;
}

/** Where the deployment runs: its resources land here unless they say otherwise. */
export interface PlanScope {
  subscription: string;
  resourceGroup?: string;
}

const MAX_RESOURCES = 800;

interface Candidate {
  planned: PlannedResource;
  copyName?: string;
  rawDependsOn: string[];
  /** Keys it waits for whatever its template says: its parent's, the previous batch of a serial loop. */
  directDeps: string[];
  body: Record<string, unknown>;
}

export async function planResources(context: TemplateContext, scope: PlanScope): Promise<PlannedResource[]> {
  const template = context.facts.template;
  const resources = member(template, 'resources');
  if (resources !== undefined && !Array.isArray(resources))
    throw invalidTemplate("The template's 'resources' must be an array.", 'properties.template.resources');
  const candidates: Candidate[] = [];
  const skipped = new Set<string>();
  await expand(
    context,
    scope,
    (resources as unknown[]) ?? [],
    'properties.template.resources',
    undefined,
    candidates,
    skipped,
  );
  if (candidates.length > MAX_RESOURCES)
    throw invalidTemplate(`The template has ${candidates.length} resources; at most ${MAX_RESOURCES} are allowed.`);
  const byKey = new Map<string, Candidate>();
  for (const candidate of candidates) {
    const key = resourceKey(candidate.planned.id);
    const twin = byKey.get(key);
    if (twin)
      throw invalidTemplate(
        `The resource '${candidate.planned.id}' is defined multiple times in a template (at '${twin.planned.path}' and '${candidate.planned.path}').`,
        candidate.planned.path,
      );
    byKey.set(key, candidate);
  }
  for (const candidate of candidates) {
    const deps = new Set<string>(candidate.directDeps);
    for (const entry of candidate.rawDependsOn) {
      const found = resolve(candidates, entry);
      if (found.length === 0) {
        if (skipped.has(entry.toLowerCase())) continue;
        throw invalidTemplate(
          `The resource '${entry}' is not defined in the template.`,
          `${candidate.planned.path}.dependsOn`,
        );
      }
      for (const f of found) deps.add(f.planned.key);
    }
    for (const target of await implicitTargets(context, candidate)) {
      for (const f of resolve(candidates, target)) deps.add(f.planned.key);
    }
    deps.delete(candidate.planned.key);
    // A serial batch's member whose condition was false is not planned: nothing waits for it.
    candidate.planned.dependsOn = [...deps].filter((key) => candidates.some((c) => c.planned.key === key));
  }
  refuseCycles(candidates.map((c) => c.planned));
  return candidates.map((c) => c.planned);
}

async function expand(
  context: TemplateContext,
  scope: PlanScope,
  resources: unknown[],
  basePath: string,
  parent: { type: string; name: string; key: string; loops: CopyLoop[] } | undefined,
  out: Candidate[],
  skipped: Set<string>,
): Promise<void> {
  for (const [i, resource] of resources.entries()) {
    const path = `${basePath}[${i}]`;
    if (!isObject(resource)) throw invalidTemplate('A template resource must be a JSON object.', path);
    for (const field of ['type', 'apiVersion', 'name']) {
      if (typeof member(resource, field) !== 'string')
        throw invalidTemplate(`The template resource at '${path}' must have a '${field}' string.`, `${path}.${field}`);
    }
    const parentLoops = parent?.loops ?? [];
    const copy = member(resource, 'copy');
    const instances: { loop?: CopyLoop; serialAfter: string[]; copyName?: string }[] = [];
    if (copy !== undefined) {
      if (parent)
        throw invalidTemplate(
          'A copy loop cannot be used on a child resource: declare it at the top level.',
          `${path}.copy`,
        );
      const loop = await loopOf(context, copy, parentLoops, `${path}.copy`);
      for (let index = 0; index < loop.count; index++) {
        const batch = Math.floor(index / loop.batchSize);
        instances.push({
          loop: { name: loop.name, index, unnamed: true },
          copyName: loop.name,
          serialAfter:
            loop.serial && batch > 0
              ? Array.from({ length: loop.batchSize }, (_, j) => `${path}[${(batch - 1) * loop.batchSize + j}]`)
              : [],
        });
      }
    } else {
      instances.push({ serialAfter: [] });
    }
    for (const instance of instances) {
      const loops = instance.loop ? [...parentLoops, instance.loop] : parentLoops;
      const key = instance.loop ? `${path}[${instance.loop.index}]` : path;
      const value = async (field: string) => evaluateValue(member(resource, field), context, loops, `${path}.${field}`);
      const condition = member(resource, 'condition') === undefined ? true : await value('condition');
      if (typeof condition !== 'boolean')
        throw invalidTemplate(`The condition of the resource at '${path}' must be a boolean.`, `${path}.condition`);
      const apiVersion = await value('apiVersion');
      const shortType = await value('type');
      const shortName = await value('name');
      if (typeof apiVersion !== 'string' || typeof shortType !== 'string' || typeof shortName !== 'string')
        throw invalidTemplate(`The type, name and apiVersion of the resource at '${path}' must be strings.`, path);
      const type = parent && !shortType.includes('/') ? `${parent.type}/${shortType}` : shortType;
      const name = parent && shortType.split('/').length === 1 ? `${parent.name}/${shortName}` : shortName;
      const id = await idOf(context, scope, resource, type, name, loops, path);
      if (!condition) {
        for (const alias of [name, id, `${type}/${name}`]) skipped.add(alias.toLowerCase());
        continue;
      }
      const rawDependsOn = await dependsOnOf(resource, value, path);
      const planned: PlannedResource = {
        key,
        path,
        loops,
        id,
        type,
        name,
        apiVersion,
        dependsOn: [],
        ...(type.toLowerCase() === 'microsoft.resources/deployments' ? { deployment: true } : {}),
      };
      out.push({
        planned,
        ...(instance.copyName ? { copyName: instance.copyName } : {}),
        rawDependsOn,
        directDeps: [...(parent ? [parent.key] : []), ...instance.serialAfter],
        body: resource,
      });
      const children = member(resource, 'resources');
      if (Array.isArray(children)) {
        await expand(context, scope, children, `${path}.resources`, { type, name, key, loops }, out, skipped);
      }
    }
  }
}

async function loopOf(context: TemplateContext, copy: unknown, loops: CopyLoop[], path: string) {
  if (!isObject(copy) || typeof member(copy, 'name') !== 'string')
    throw invalidTemplate("A resource copy loop needs a 'name' and a 'count'.", path);
  const count = await evaluateValue(member(copy, 'count'), context, loops, `${path}.count`);
  if (!Number.isInteger(count) || (count as number) < 0 || (count as number) > MAX_RESOURCES)
    throw invalidTemplate(
      `The copy count must be an integer from 0 to ${MAX_RESOURCES}, not ${JSON.stringify(count)}.`,
      `${path}.count`,
    );
  const mode = String(member(copy, 'mode') ?? 'Parallel').toLowerCase();
  if (mode !== 'parallel' && mode !== 'serial')
    throw invalidTemplate(
      `The copy mode must be 'Parallel' or 'Serial', not '${String(member(copy, 'mode'))}'.`,
      `${path}.mode`,
    );
  const batchSize =
    member(copy, 'batchSize') === undefined
      ? 1
      : await evaluateValue(member(copy, 'batchSize'), context, loops, `${path}.batchSize`);
  if (!Number.isInteger(batchSize) || (batchSize as number) < 1)
    throw invalidTemplate('The copy batchSize must be a positive integer.', `${path}.batchSize`);
  return {
    name: member(copy, 'name') as string,
    count: count as number,
    serial: mode === 'serial',
    batchSize: batchSize as number,
  };
}

async function dependsOnOf(
  resource: Record<string, unknown>,
  value: (field: string) => Promise<unknown>,
  path: string,
) {
  if (member(resource, 'dependsOn') === undefined) return [];
  const entries = await value('dependsOn');
  if (!Array.isArray(entries) || entries.some((e) => typeof e !== 'string'))
    throw invalidTemplate("'dependsOn' must be an array of strings.", `${path}.dependsOn`);
  return entries as string[];
}

/**
 * The resource's id: its type's namespace and segments with its name's, under the deployment's scope,
 * or the `subscriptionId` and `resourceGroup` a nested deployment names, or the `scope` an extension
 * resource (a role assignment on a resource) names.
 */
async function idOf(
  context: TemplateContext,
  scope: PlanScope,
  resource: Record<string, unknown>,
  type: string,
  name: string,
  loops: CopyLoop[],
  path: string,
): Promise<string> {
  const [namespace, ...types] = type.split('/');
  const names = name.split('/');
  if (types.length === 0 || names.length !== types.length || names.some((n) => n === ''))
    throw invalidTemplate(
      `The template resource '${name}' for type '${type}' has incorrect segment lengths. A nested resource type must have identical number of segments as its resource name. A root resource type must have segment length one greater than its resource name.`,
      `${path}.name`,
    );
  const field = async (f: string) => {
    const v =
      member(resource, f) === undefined
        ? undefined
        : await evaluateValue(member(resource, f), context, loops, `${path}.${f}`);
    if (v !== undefined && typeof v !== 'string') throw invalidTemplate(`'${f}' must be a string.`, `${path}.${f}`);
    return v as string | undefined;
  };
  const extensionScope = await field('scope');
  if (extensionScope !== undefined) {
    return `${extensionScope.replace(/\/+$/, '')}/providers/${namespace}/${types.map((t, i) => `${t}/${names[i]}`).join('/')}`;
  }
  const subscription = (await field('subscriptionId')) ?? scope.subscription;
  const resourceGroup =
    (await field('resourceGroup')) ?? (subscription === scope.subscription ? scope.resourceGroup : undefined);
  if (type.toLowerCase() === 'microsoft.resources/resourcegroups') {
    if (scope.resourceGroup !== undefined)
      throw invalidTemplate(
        'Resource groups are deployed by a subscription deployment, not a resource group deployment.',
        `${path}.type`,
      );
    return formatResourceId({ subscription, resourceGroup: name, types: [] });
  }
  const id: ResourceId = {
    subscription,
    ...(resourceGroup !== undefined ? { resourceGroup } : {}),
    namespace,
    types: types.map((t, i) => [t, names[i]] as [string, string]),
  };
  return formatResourceId(id);
}

/** The planned resources an entry of `dependsOn` (or a `reference()` target) names. */
function resolve(candidates: Candidate[], entry: string): Candidate[] {
  // resourceId() of a resource group names it under the Microsoft.Resources provider, as ARM does.
  const wanted = entry
    .toLowerCase()
    .replace(/\/+$/, '')
    .replace(/^(\/subscriptions\/[^/]+)\/providers\/microsoft\.resources\/resourcegroups\//, '$1/resourcegroups/');
  if (wanted.startsWith('/subscriptions/')) return candidates.filter((c) => resourceKey(c.planned.id) === wanted);
  const byTypeAndName = candidates.filter((c) => `${c.planned.type}/${c.planned.name}`.toLowerCase() === wanted);
  if (byTypeAndName.length > 0) return byTypeAndName;
  const byName = candidates.filter((c) => c.planned.name.toLowerCase() === wanted);
  if (byName.length > 0) return byName;
  return candidates.filter((c) => c.copyName?.toLowerCase() === wanted);
}

/**
 * The targets of `reference()` and `list*()` calls in a resource's body whose first argument can be
 * told before the deployment runs (a name, `resourceId(...)`, a variable): ARM makes those dependencies.
 */
async function implicitTargets(context: TemplateContext, candidate: Candidate): Promise<string[]> {
  const targets: string[] = [];
  const expressions: string[] = [];
  collectExpressions(
    Object.fromEntries(
      Object.entries(candidate.body).filter(([k]) => !['dependsOn', 'resources', 'copy', 'name', 'type'].includes(k)),
    ),
    expressions,
  );
  for (const text of expressions) {
    let calls;
    try {
      calls = functionCalls(parseExpression(text));
    } catch {
      continue; // reported when the body is evaluated, at its path
    }
    for (const call of calls) {
      const fn = call.name.toLowerCase();
      if (call.namespace !== undefined || (fn !== 'reference' && !fn.startsWith('list'))) continue;
      const first = call.args[0] === undefined ? undefined : argumentText(text, call.args[0].start);
      if (first === undefined) continue;
      try {
        const target = await evaluateValue(`[${first}]`, context, candidate.planned.loops, candidate.planned.path);
        if (typeof target === 'string') targets.push(target);
      } catch {
        // an argument that needs the running deployment (a reference of a reference) makes no dependency
      }
    }
  }
  return targets;
}

/** The text of the argument that starts at `start`: up to the `,` or `)` that ends it, outside strings and brackets. */
function argumentText(text: string, start: number): string {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === "'") {
      i = text.indexOf("'", i + 1);
      while (i >= 0 && text[i + 1] === "'") i = text.indexOf("'", i + 2);
      if (i < 0) break;
    } else if (c === '(' || c === '[') depth++;
    else if ((c === ')' || c === ']') && depth > 0) depth--;
    else if ((c === ',' || c === ')' || c === ']') && depth === 0) return text.slice(start, i);
  }
  return text.slice(start);
}

function collectExpressions(value: unknown, out: string[]): void {
  if (typeof value === 'string') {
    if (isExpression(value)) out.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectExpressions(item, out);
  } else if (isObject(value)) {
    for (const item of Object.values(value)) collectExpressions(item, out);
  }
}

function refuseCycles(resources: PlannedResource[]): void {
  const byKey = new Map(resources.map((r) => [r.key, r]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (resource: PlannedResource, trail: string[]) => {
    if (state.get(resource.key) === 'done') return;
    if (state.get(resource.key) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(resource.name)), resource.name];
      throw invalidTemplate(
        `Circular dependency detected on resource: '${resource.id}'. Circular dependency: ${cycle.join(' -> ')}.`,
        resource.path,
      );
    }
    state.set(resource.key, 'visiting');
    for (const dep of resource.dependsOn) {
      const next = byKey.get(dep);
      if (next) visit(next, [...trail, resource.name]);
    }
    state.set(resource.key, 'done');
  };
  for (const resource of resources) visit(resource, []);
}
