/**
 * The body a planned resource is PUT with, evaluated when it starts (after everything it depends
 * on): the template resource without its template-only members, its expressions evaluated in its
 * copy loops, `reference()` reading what is already deployed.
 *
 * A nested deployment is a deployment of its own (its PUT lands in deployments/operations.ts). Its
 * template goes as written; with `inner` scope only its `parameters` are the parent's to evaluate.
 * With `outer` scope (the default) its expressions see the parent's parameters and variables: Kiln
 * hands the parent's parameter declarations, values and variables to the nested deployment, so
 * they evaluate there as they would in the parent. (ARM evaluates such a template in the parent;
 * the difference shows only where the nested template calls `copyIndex()` of the parent's loop,
 * which it then cannot, or `deployment()`, which names the nested deployment.) A linked one goes with
 * its `templateLink`, a `relativePath` resolved against this deployment's own link, and the nested
 * deployment's PUT fetches it.
 */
import { resolveRelativePath } from '../template-link.ts';
import { evaluateValue } from './evaluate-value.ts';
import type { PlannedResource } from './plan.ts';
import type { TemplateContext } from './template-scope.ts';
import { invalidTemplate, isObject, member } from './template-error.ts';

/** Members of a template resource that tell ARM how to deploy it, never sent to the provider. */
const TEMPLATE_ONLY = new Set([
  'type',
  'apiversion',
  'name',
  'dependson',
  'copy',
  'condition',
  'comments',
  'resources',
  'scope',
  'resourcegroup',
  'subscriptionid',
]);

export async function resourceBody(
  context: TemplateContext,
  planned: PlannedResource,
): Promise<Record<string, unknown>> {
  const source = templateResourceAt(context.facts.template, planned.path);
  const sent = Object.fromEntries(Object.entries(source).filter(([k]) => !TEMPLATE_ONLY.has(k.toLowerCase())));
  if (!planned.deployment)
    return (await evaluateValue(sent, context, planned.loops, planned.path)) as Record<string, unknown>;
  const properties = member(sent, 'properties');
  if (!isObject(properties))
    throw invalidTemplate('A nested deployment needs its properties.', `${planned.path}.properties`);
  const options = member(properties, 'expressionEvaluationOptions');
  const inner = isObject(options) && String(member(options, 'scope') ?? '').toLowerCase() === 'inner';
  const { template, ...rest } = properties;
  const evaluated = (await evaluateValue(
    { ...sent, properties: rest },
    context,
    planned.loops,
    planned.path,
  )) as Record<string, unknown>;
  const nested = evaluated.properties as Record<string, unknown>;
  const linkKey = Object.keys(nested).find((key) => key.toLowerCase() === 'templatelink');
  if (linkKey !== undefined && isObject(nested[linkKey]))
    nested[linkKey] = resolveRelativePath(
      context.facts.templateLink,
      nested[linkKey],
      `${planned.path}.properties.templateLink.relativePath`,
    );
  if (inner || !isObject(template)) {
    nested.template = template;
    return evaluated;
  }
  nested.template = {
    ...template,
    parameters: {
      ...(member(template, 'parameters') as object),
      ...(member(context.facts.template, 'parameters') as object),
    },
    variables: {
      ...(member(template, 'variables') as object),
      ...(member(context.facts.template, 'variables') as object),
    },
  };
  nested.parameters = Object.fromEntries(Object.entries(context.parameters).map(([name, value]) => [name, { value }]));
  nested.expressionEvaluationOptions = { scope: 'inner' };
  return evaluated;
}

/** The template resource at a plan path (`properties.template.resources[1].resources[0]`). */
export function templateResourceAt(template: Record<string, unknown>, path: string): Record<string, unknown> {
  let current: unknown = template;
  for (const [, index] of path.replace(/^properties\.template\./, '').matchAll(/resources\[(\d+)\]/g)) {
    current = (member(current as Record<string, unknown>, 'resources') as unknown[])[Number(index)];
  }
  return current as Record<string, unknown>;
}
