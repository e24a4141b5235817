/**
 * One step of a running deployment, as its job takes it (again and again until it ends): look once
 * at each resource still running, start every resource whose dependencies all succeeded (in
 * parallel), and once nothing runs, end the deployment: Succeeded with its outputs, Failed naming
 * each failed resource (nothing that depends on one starts), or Canceled when asked to stop (what
 * was started finishes on its own, as in ARM). Every step reads the record and writes it back with
 * its etag, so a crash repeats at most the last step's requests (PUTs, which providers take again).
 * The step never waits for a provider: it answers `waiting`, and the job tries again shortly
 * without holding a worker, so a deployment waits for its resources' own jobs on a single worker.
 */
import { ArmError, type ArmErrorBody } from '../../core/arm-error.ts';
import { parseResourceId } from '../../core/resource-id.ts';
import { ExpectationFailedError, type Write } from '../../ports/metadata-store.ts';
import type { ResourceManager } from '../../ports/resource-manager.ts';
import type { DomainContext } from '../context.ts';
import { finishOperation } from '../operations/operation.ts';
import { deploymentFacts } from './deployment-context.ts';
import {
  isFinished,
  type Deployment,
  type DeploymentInternal,
  type DeploymentRecord,
  type DeploymentRef,
  type DeploymentState,
  type ResourceProgress,
} from './deployment.ts';
import { plannedDeletions } from './complete-mode.ts';
import { ResourceCalls } from './resource-calls.ts';
import { evaluateOutputs, type Outputs } from './template/outputs.ts';
import type { PlannedResource } from './template/plan.ts';
import { resourceBody } from './template/resource-body.ts';
import { TemplateContext } from './template/template-scope.ts';
import { reasonOf } from './template/template-error.ts';

export type StepOutcome = 'finished' | 'waiting';

export async function advanceDeployment(
  ctx: DomainContext,
  manager: ResourceManager,
  key: string,
): Promise<StepOutcome> {
  const record = await ctx.store.get<DeploymentRecord['data']>(key);
  if (!record || isFinished(record.data.resource.properties.provisioningState)) return 'finished';
  const { resource: deployment, internal } = record.data;
  const calls = new ResourceCalls(manager, internal.principal.appId, () => ctx.clock.now());
  const context = new TemplateContext(
    await deploymentFacts(ctx, refOf(deployment), {
      template: internal.template,
      mode: deployment.properties.mode,
      ...(deployment.location !== undefined ? { location: deployment.location } : {}),
      ...(deployment.properties.templateLink !== undefined ? { templateLink: deployment.properties.templateLink } : {}),
    }),
    internal.parameterValues,
    calls.runtime(internal.plan),
    () => ctx.clock.now(),
  );
  const progress = { ...internal.progress };
  await Promise.all(
    internal.plan
      .filter((p) => progress[p.key]?.state === 'Running')
      .map(async (p) => {
        progress[p.key] = await calls.poll(progress[p.key]);
      }),
  );
  const anyFailed = () => internal.plan.some((p) => progress[p.key]?.state === 'Failed');
  if (!internal.cancelRequested && !anyFailed()) {
    const ready = internal.plan.filter(
      (p) => !progress[p.key] && p.dependsOn.every((d) => progress[d]?.state === 'Succeeded'),
    );
    await Promise.all(
      ready.map(async (p) => {
        progress[p.key] = await startResource(calls, context, p);
      }),
    );
  }
  const running = internal.plan.some((p) => progress[p.key]?.state === 'Running');
  const allSucceeded = internal.plan.every((p) => progress[p.key]?.state === 'Succeeded');
  let end: { state: DeploymentState; error?: ArmErrorBody; outputs?: Outputs } | undefined;
  let plan = internal.plan;
  if (!running) {
    if (internal.cancelRequested) end = { state: 'Canceled' };
    else if (anyFailed()) end = { state: 'Failed', error: deploymentFailed(internal.plan, progress) };
    else if (allSucceeded && needsDeletions(deployment, internal))
      plan = [...plan, ...(await plannedDeletions(ctx, deployment, internal))];
    else if (allSucceeded) end = await outputsOrFailure(context);
  }
  await save(ctx, record, { progress, plan, ...(plan !== internal.plan ? { deletionsPlanned: true } : {}) }, end);
  return end ? 'finished' : 'waiting';
}

/** Complete mode, once everything the template names is deployed: what else the group holds goes. */
const needsDeletions = (deployment: Deployment, internal: DeploymentInternal) =>
  deployment.properties.mode === 'Complete' && !internal.deletionsPlanned;

async function startResource(calls: ResourceCalls, context: TemplateContext, planned: PlannedResource) {
  if (planned.deletes) return calls.delete(planned);
  let body: Record<string, unknown>;
  try {
    body = await resourceBody(context, planned);
  } catch (error) {
    return calls.failedBeforeStart(
      error instanceof ArmError
        ? { code: error.code, message: error.message, ...(error.target ? { target: error.target } : {}) }
        : { code: 'InvalidTemplate', message: reasonOf(error), target: planned.path },
    );
  }
  try {
    return await calls.start(planned, body);
  } catch (error) {
    return calls.failedBeforeStart({
      code: 'ResourceDeploymentFailure',
      message: reasonOf(error),
      target: planned.path,
    });
  }
}

async function outputsOrFailure(context: TemplateContext) {
  try {
    return { state: 'Succeeded' as const, outputs: await evaluateOutputs(context) };
  } catch (error) {
    const body =
      error instanceof ArmError ? error.toBody().error : { code: 'InvalidTemplate', message: reasonOf(error) };
    return { state: 'Failed' as const, error: body };
  }
}

/** ARM's error for a deployment whose resources failed: one detail per failed resource, naming it. */
function deploymentFailed(plan: PlannedResource[], progress: Record<string, ResourceProgress>): ArmErrorBody {
  const details = plan
    .filter((p) => progress[p.key]?.state === 'Failed')
    .map((p) => {
      const error = progress[p.key].error ?? { code: 'ResourceDeploymentFailure', message: 'The resource failed.' };
      return {
        code: error.code,
        message: `Resource '${p.type}/${p.name}' (${p.path}): ${error.message}`,
        target: error.target ?? p.id,
      };
    });
  return {
    code: 'DeploymentFailed',
    message:
      'At least one resource deployment operation failed. Please list deployment operations for details. Please see https://aka.ms/arm-deployment-operations for usage details.',
    details,
  };
}

/**
 * Writes the step's progress, and its end if it ended, with the record's etag. A cancel that lands
 * in between is kept (the next step sees it); anything else changing the record meanwhile wins.
 */
async function save(
  ctx: DomainContext,
  record: DeploymentRecord,
  step: Partial<DeploymentInternal> & Pick<DeploymentInternal, 'progress'>,
  end: { state: DeploymentState; error?: ArmErrorBody; outputs?: Outputs } | undefined,
): Promise<void> {
  let current = record;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await ctx.store.apply(stepWrites(ctx, current, step, end));
      return;
    } catch (error) {
      if (!(error instanceof ExpectationFailedError)) throw error;
      const reread = await ctx.store.get<DeploymentRecord['data']>(record.key);
      if (!reread || reread.data.internal.operation.name !== record.data.internal.operation.name) return;
      current = reread as DeploymentRecord;
      if (current.data.internal.cancelRequested && end?.state === 'Succeeded') end = undefined;
    }
  }
}

function stepWrites(
  ctx: DomainContext,
  record: DeploymentRecord,
  step: Partial<DeploymentInternal> & Pick<DeploymentInternal, 'progress'>,
  end: { state: DeploymentState; error?: ArmErrorBody; outputs?: Outputs } | undefined,
): Write[] {
  const { resource } = record.data;
  const internal = { ...record.data.internal, ...step };
  const { progress } = step;
  const now = ctx.clock.now();
  const properties: Deployment['properties'] = {
    ...resource.properties,
    provisioningState: end?.state ?? 'Running',
    timestamp: now.toISOString(),
    duration: isoDuration(now.getTime() - Date.parse(internal.startedAt)),
  };
  if (end) {
    if (end.outputs) properties.outputs = end.outputs;
    if (end.error) properties.error = end.error;
    properties.outputResources = internal.plan
      .filter((p) => !p.deletes && progress[p.key]?.state === 'Succeeded')
      .map((p) => ({ id: p.id }));
  }
  const nextInternal: DeploymentInternal = {
    ...internal,
    // Secure values are needed only while resources may still be evaluated.
    ...(end ? { parameterValues: withoutSecure(internal) } : {}),
  };
  const writes: Write[] = [
    {
      op: 'put',
      record: { ...record, data: { resource: { ...resource, properties }, internal: nextInternal } },
      expect: { etag: record.etag },
    },
  ];
  if (end) {
    writes.push(
      finishOperation(internal.operation, now, {
        status: end.state === 'Succeeded' ? 'Succeeded' : end.state === 'Canceled' ? 'Canceled' : 'Failed',
        ...(end.error ? { error: end.error } : {}),
      }),
    );
  }
  return writes;
}

export function withoutSecure(internal: Pick<DeploymentInternal, 'parameterValues' | 'secureParameters'>) {
  return Object.fromEntries(
    Object.entries(internal.parameterValues).filter(([name]) => !internal.secureParameters.includes(name)),
  );
}

/** `PT1M2.5S`, as ARM writes a deployment's duration. */
export function isoDuration(ms: number): string {
  const total = Math.max(0, ms) / 1000;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = Math.round((total % 60) * 1000) / 1000;
  return `PT${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds}S`;
}

export function refOf(deployment: Deployment): DeploymentRef {
  const id = parseResourceId(deployment.id)!;
  return {
    subscription: id.subscription,
    ...(id.resourceGroup !== undefined ? { resourceGroup: id.resourceGroup } : {}),
    name: deployment.name,
  };
}

/** The job gave up (an error it could not get past): the deployment ends Failed with it. */
export async function failDeployment(ctx: DomainContext, key: string, error: ArmErrorBody): Promise<Write[]> {
  const record = await ctx.store.get<DeploymentRecord['data']>(key);
  if (!record || isFinished(record.data.resource.properties.provisioningState)) return [];
  return stepWrites(
    ctx,
    record as DeploymentRecord,
    { progress: record.data.internal.progress },
    { state: 'Failed', error },
  );
}
