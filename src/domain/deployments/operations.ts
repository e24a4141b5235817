/**
 * Microsoft.Resources/deployments: one function per REST operation. A PUT checks the body, fetches a
 * linked template and parameters file (linked-content.ts) and plans the template (so ARM's up-front
 * refusals are a 400 and nothing is kept), then writes in one batch the deployment (`Accepted`), its
 * operation and the `deployment.run` job that deploys it
 * (run-deployment.ts) as the principal that asked. Deployments are history: deleting one deletes
 * the record, never what it deployed.
 */
import { createHash } from 'node:crypto';
import { ArmError, Problems } from '../../core/arm-error.ts';
import { newGuid } from '../../core/ids.ts';
import { resourceGroupId, resourceKey } from '../../core/resource-id.ts';
import type { DomainContext } from '../context.ts';
import { startOperation, type OperationData } from '../operations/operation.ts';
import { resourceRecord } from '../shared/arm-resource.ts';
import { listResources } from '../shared/list-resources.ts';
import type { Page, PageRequest } from '../shared/paging.ts';
import { requireSubscription, requireWritableResourceGroup } from '../shared/scope.ts';
import { deploymentFacts } from './deployment-context.ts';
import { refuseUnresolvableRelativePaths, withLinkedContent } from './linked-content.ts';
import {
  deploymentId,
  isFinished,
  type Deployment,
  type DeploymentInternal,
  type DeploymentRecord,
  type DeploymentRef,
  type DeploymentScope,
} from './deployment.ts';
import { bindParameters, type BoundParameters } from './template/parameters.ts';
import { planResources, type PlannedResource } from './template/plan.ts';
import { TemplateContext } from './template/template-scope.ts';
import { validateDeploymentBody, validateDeploymentName, type DeploymentRequest } from './validate-deployment.ts';

export const DEPLOYMENT_KIND = 'microsoft.resources/deployments';
const NAMESPACE = 'Microsoft.Resources';

/** Who a deployment acts as. */
export interface DeploymentPrincipal {
  appId: string;
  objectId: string;
}

/** A request checked and its template planned: what a PUT keeps and what validate and what-if answer from. */
export interface PlannedDeployment {
  request: DeploymentRequest;
  bound: BoundParameters;
  plan: PlannedResource[];
  context: TemplateContext;
  location: string;
}

export async function planDeployment(
  ctx: DomainContext,
  ref: DeploymentRef,
  body: Record<string, unknown>,
  kind: 'deployment' | 'whatIf' = 'deployment',
): Promise<PlannedDeployment> {
  const problems = new Problems();
  validateDeploymentName(ref.name, problems);
  problems.throwIfAny();
  requireSubscription(ctx, ref.subscription);
  const group =
    ref.resourceGroup !== undefined
      ? await requireWritableResourceGroup(ctx, ref.subscription, ref.resourceGroup)
      : undefined;
  const request = await withLinkedContent(ctx, validateDeploymentBody(ctx, ref, body, kind));
  const facts = await deploymentFacts(ctx, ref, request);
  const bound = await bindParameters(request.template, request.parameters, new TemplateContext(facts, {}).scope());
  const context = new TemplateContext(facts, bound.values, undefined, () => ctx.clock.now());
  const plan = await planResources(context, ref);
  refuseUnresolvableRelativePaths(request, plan);
  return { request, bound, plan, context, location: request.location ?? String(group?.data.resource.location) };
}

export async function createOrUpdateDeployment(
  ctx: DomainContext,
  ref: DeploymentRef,
  body: Record<string, unknown>,
  principal: DeploymentPrincipal,
): Promise<{ status: 201; deployment: Deployment; etag: string; operation: OperationData }> {
  const planned = await planDeployment(ctx, ref, body);
  const id = deploymentId(ref);
  const existing = await ctx.store.get<DeploymentRecord['data']>(resourceKey(id));
  if (existing && !isFinished(existing.data.resource.properties.provisioningState))
    throw stillActive(existing.data.resource);
  const now = ctx.clock.now();
  const deployment = deploymentResource(id, ref, planned, now, 'Accepted');
  const operation = startOperation(
    {
      subscription: ref.subscription,
      namespace: NAMESPACE,
      location: planned.location,
      resourceId: id,
      startedBy: principal.objectId,
    },
    now,
  );
  const internal: DeploymentInternal = {
    template: planned.request.template,
    parameterValues: planned.bound.values,
    secureParameters: planned.bound.secure,
    principal,
    plan: planned.plan,
    progress: {},
    operation: operation.data,
    startedAt: now.toISOString(),
  };
  const record = { ...resourceRecord(deployment, internal), parent: scopeKey(ref) };
  const [stored] = await ctx.store.apply([
    { op: 'put', record, expect: existing ? { etag: existing.etag } : { absent: true } },
    operation.write,
    ctx.jobs.enqueueWrite({ task: 'deployment.run', payload: { key: record.key }, maxAttempts: 5 }),
  ]);
  ctx.jobs.nudge();
  return { status: 201, deployment, etag: stored.etag, operation: operation.data };
}

/** The deployment as GET and validate show it. */
export function deploymentResource(
  id: string,
  ref: DeploymentRef,
  { request, bound, plan, location }: PlannedDeployment,
  now: Date,
  provisioningState: Deployment['properties']['provisioningState'],
): Deployment {
  return {
    id,
    name: ref.name,
    type: 'Microsoft.Resources/deployments',
    ...(ref.resourceGroup === undefined ? { location } : {}),
    ...(request.tags ? { tags: request.tags } : {}),
    properties: {
      provisioningState,
      correlationId: newGuid(),
      timestamp: now.toISOString(),
      duration: 'PT0S',
      mode: request.mode,
      templateHash: templateHash(request.template),
      ...(request.templateLink ? { templateLink: request.templateLink } : {}),
      ...(request.parametersLink ? { parametersLink: request.parametersLink } : {}),
      parameters: Object.fromEntries(
        Object.entries(bound.types).map(([name, type]) => [
          name,
          bound.secure.includes(name) ? { type } : { type, value: bound.values[name] },
        ]),
      ),
      ...(request.debugSetting ? { debugSetting: request.debugSetting } : {}),
      dependencies: dependenciesOf(plan),
      providers: providersOf(plan),
    },
  };
}

export async function getDeployment(ctx: DomainContext, ref: DeploymentRef): Promise<DeploymentRecord> {
  requireSubscription(ctx, ref.subscription);
  const record = await ctx.store.get<DeploymentRecord['data']>(resourceKey(deploymentId(ref)));
  if (!record) throw deploymentNotFound(ref);
  return record as DeploymentRecord;
}

export async function listDeployments(
  ctx: DomainContext,
  scope: DeploymentScope,
  page: PageRequest,
): Promise<Page<Deployment>> {
  requireSubscription(ctx, scope.subscription);
  if (scope.resourceGroup !== undefined)
    await requireWritableResourceGroup(ctx, scope.subscription, scope.resourceGroup);
  return listResources<Deployment>(ctx, { kind: DEPLOYMENT_KIND, parent: scopeKey(scope) }, page);
}

/** Deletes the deployment's history (never what it deployed); a running deployment is refused. */
export async function deleteDeployment(ctx: DomainContext, ref: DeploymentRef): Promise<boolean> {
  requireSubscription(ctx, ref.subscription);
  const record = await ctx.store.get<DeploymentRecord['data']>(resourceKey(deploymentId(ref)));
  if (!record) return false;
  if (!isFinished(record.data.resource.properties.provisioningState)) throw stillActive(record.data.resource);
  await ctx.store.apply([{ op: 'delete', key: record.key, expect: { etag: record.etag } }]);
  return true;
}

/** Stops a running deployment: nothing more starts; it ends Canceled once what runs has finished. */
export async function cancelDeployment(ctx: DomainContext, ref: DeploymentRef): Promise<void> {
  const record = await getDeployment(ctx, ref);
  const { resource, internal } = record.data;
  if (isFinished(resource.properties.provisioningState))
    throw new ArmError(
      409,
      'DeploymentCannotBeCancelled',
      `The deployment '${ref.name}' cannot be canceled: it is ${resource.properties.provisioningState}, not running.`,
    );
  await ctx.store.apply([
    {
      op: 'put',
      record: { ...record, data: { resource, internal: { ...internal, cancelRequested: true } } },
      expect: { etag: record.etag },
    },
  ]);
  ctx.jobs.nudge();
}

/** The template a deployment was made with, as submitted or as fetched from its link. */
export async function exportDeploymentTemplate(ctx: DomainContext, ref: DeploymentRef) {
  return { template: (await getDeployment(ctx, ref)).data.internal.template };
}

function stillActive(deployment: Deployment): ArmError {
  return new ArmError(
    409,
    'DeploymentActive',
    `Unable to edit or delete deployment '${deployment.name}': the deployment from '${deployment.properties.timestamp}' is still active. Wait for it to finish or cancel it.`,
  );
}

function deploymentNotFound(ref: DeploymentRef): ArmError {
  return new ArmError(404, 'DeploymentNotFound', `Deployment '${ref.name}' could not be found.`);
}

/** Where a deployment's record hangs: its group, or its subscription, so each scope lists only its own. */
export const scopeKey = (scope: DeploymentScope) =>
  resourceKey(
    scope.resourceGroup !== undefined
      ? resourceGroupId(scope.subscription, scope.resourceGroup)
      : `/subscriptions/${scope.subscription}`,
  );

/** ARM's template hash is a decimal number derived from the template: here the first 64 bits of its sha256. */
function templateHash(template: unknown): string {
  return BigInt(`0x${createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 16)}`).toString();
}

function reference(p: PlannedResource) {
  return { id: p.id, resourceType: p.type, resourceName: p.name };
}

function dependenciesOf(plan: PlannedResource[]): Deployment['properties']['dependencies'] {
  const byKey = new Map(plan.map((p) => [p.key, p]));
  return plan
    .filter((p) => p.dependsOn.length > 0)
    .map((p) => ({ ...reference(p), dependsOn: p.dependsOn.map((key) => reference(byKey.get(key)!)) }));
}

function providersOf(plan: PlannedResource[]): Deployment['properties']['providers'] {
  const byNamespace = new Map<string, Set<string>>();
  for (const p of plan) {
    const [namespace, ...rest] = p.type.split('/');
    const types = byNamespace.get(namespace) ?? new Set<string>();
    types.add(rest.join('/'));
    byNamespace.set(namespace, types);
  }
  return [...byNamespace].map(([namespace, types]) => ({
    namespace,
    resourceTypes: [...types].map((resourceType) => ({ resourceType, locations: [] })),
  }));
}
