/**
 * `POST .../deployments/{name}/whatIf`: what a deployment would change, without changing anything.
 * Each planned resource is evaluated as the deployment would evaluate it, `reference()` of the
 * template's own resources reading what exists now (one the deployment would make first, or one
 * outside the template, is not read: the body then shows the expression as written, as ARM's
 * what-if does for what it cannot evaluate), and compared with the stored resource: Create,
 * NoChange, or Modify with each property that differs. In complete mode, what the group holds and
 * the template does not is a Delete.
 */
import type { DomainContext } from '../context.ts';
import { getResource } from '../shared/arm-resource.ts';
import type { DeploymentRef } from './deployment.ts';
import { topLevelResources } from './group-contents.ts';
import { planDeployment } from './operations.ts';
import { findPlanned } from './resource-calls.ts';
import { resourceBody, templateResourceAt } from './template/resource-body.ts';
import { TemplateContext, type Runtime } from './template/template-scope.ts';
import { isObject } from './template/template-error.ts';
import type { PlannedResource } from './template/plan.ts';

type ChangeType = 'Create' | 'Delete' | 'Modify' | 'NoChange';

interface PropertyChange {
  path: string;
  propertyChangeType: 'Create' | 'Delete' | 'Modify' | 'Array';
  before?: unknown;
  after?: unknown;
  children?: PropertyChange[];
}

interface Change {
  resourceId: string;
  changeType: ChangeType;
  before?: unknown;
  after?: unknown;
  delta?: PropertyChange[];
}

/** What ARM compares: the body a PUT sends, not what the provider adds (ids, states, timestamps). */
const COMPARED = ['location', 'tags', 'sku', 'kind', 'identity', 'properties', 'plan', 'zones', 'extendedLocation'];

export async function whatIfDeployment(ctx: DomainContext, ref: DeploymentRef, body: Record<string, unknown>) {
  const planned = await planDeployment(ctx, ref, body, 'whatIf');
  const context = new TemplateContext(
    planned.context.facts,
    planned.bound.values,
    storeRuntime(ctx, planned.plan),
    () => ctx.clock.now(),
  );
  const changes: Change[] = [];
  for (const p of planned.plan) changes.push(await changeOf(ctx, context, p));
  if (planned.request.mode === 'Complete' && ref.resourceGroup !== undefined) {
    const kept = new Set(planned.plan.map((p) => p.id.toLowerCase()));
    for (const record of await topLevelResources(ctx, ref.subscription, ref.resourceGroup)) {
      const id = record.data.resource.id;
      if (!kept.has(id.toLowerCase()))
        changes.push({ resourceId: id, changeType: 'Delete', before: record.data.resource });
    }
  }
  const idsOnly = planned.request.resultFormat === 'ResourceIdOnly';
  return {
    status: 'Succeeded',
    properties: {
      changes: changes.map((c) => (idsOnly ? { resourceId: c.resourceId, changeType: c.changeType } : c)),
    },
  };
}

async function changeOf(ctx: DomainContext, context: TemplateContext, p: PlannedResource): Promise<Change> {
  const existing = await getResource(ctx, p.id);
  let after: Record<string, unknown>;
  try {
    after = await resourceBody(context, p);
  } catch {
    after = Object.fromEntries(
      Object.entries(templateResourceAt(context.facts.template, p.path)).filter(([k]) => COMPARED.includes(k)),
    );
  }
  const shown = { id: p.id, name: p.name, type: p.type, apiVersion: p.apiVersion, ...after };
  if (!existing) return { resourceId: p.id, changeType: 'Create', after: shown };
  const before = existing.data.resource as Record<string, unknown>;
  const delta = COMPARED.flatMap((key) => (key in after ? compare(key, before[key], after[key]) : []));
  return delta.length === 0
    ? { resourceId: p.id, changeType: 'NoChange', before, after: shown }
    : { resourceId: p.id, changeType: 'Modify', before, after: shown, delta };
}

/** The property changes from `before` to `after` under `path` (objects flattened, arrays by index). */
function compare(path: string, before: unknown, after: unknown): PropertyChange[] {
  if (same(before, after)) return [];
  if (before === undefined) return [{ path, propertyChangeType: 'Create', after }];
  if (isObject(before) && isObject(after)) {
    return Object.keys(after).flatMap((key) => compare(`${path}.${key}`, memberOf(before, key), after[key]));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    const children = after.flatMap((item, i) => compare(String(i), before[i], item));
    return [{ path, propertyChangeType: 'Array', children }];
  }
  return [{ path, propertyChangeType: 'Modify', before, after }];
}

const memberOf = (object: Record<string, unknown>, key: string) =>
  object[Object.keys(object).find((k) => k.toLowerCase() === key.toLowerCase()) ?? key];

/** ARM compares names, locations and enum values without case (and regions without spaces). */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string')
    return a.replace(/\s+/g, '').toLowerCase() === b.replace(/\s+/g, '').toLowerCase();
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (isObject(a) && isObject(b)) return Object.keys(b).every((k) => same(memberOf(a, k), b[k]));
  return a === b;
}

/**
 * reference() during a what-if: what the store holds now, for the template's own resources only.
 * Anything else would be read without the caller's access being checked, so it stays unevaluated,
 * as list*() does (answering it would call the provider).
 */
function storeRuntime(ctx: DomainContext, plan: PlannedResource[]): Runtime {
  return {
    reference: async (target, _apiVersion, full) => {
      const planned = findPlanned(plan, target);
      const record = planned && (await getResource(ctx, planned.id));
      if (!record) throw new Error(`The resource '${target}' is not one this template deploys, or does not exist yet.`);
      const resource = record.data.resource as Record<string, unknown>;
      return full ? resource : (resource.properties ?? {});
    },
    list: async (fn) => {
      throw new Error(`'${fn}' is not evaluated by what-if.`);
    },
  };
}
