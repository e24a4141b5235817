/**
 * A deployment's requests to the providers of its resources, through the ResourceManager port as its
 * principal: the PUT that starts a resource, the polls that follow it (`Azure-AsyncOperation`, else
 * `Location`, else the resource's own `provisioningState`, as ARM follows providers), and the reads
 * `reference()` and `list*()` make. What a provider answers is kept as ARM's deployment operations
 * show it: the HTTP status by name and the provider's error.
 */
import type { ArmErrorBody } from '../../core/arm-error.ts';
import { newGuid } from '../../core/ids.ts';
import type { ArmAnswer, ResourceManager } from '../../ports/resource-manager.ts';
import type { ResourceProgress } from './deployment.ts';
import type { PlannedResource } from './template/plan.ts';
import type { Runtime } from './template/template-scope.ts';
import { isObject } from './template/template-error.ts';

const UNFINISHED = new Set(['accepted', 'creating', 'updating', 'running', 'inprogress', 'provisioning', 'deleting']);

const STATUS_NAMES: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'NoContent',
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  412: 'PreconditionFailed',
  429: 'TooManyRequests',
  500: 'InternalServerError',
};

export const resourcePath = (id: string, apiVersion: string) => `${id}?api-version=${encodeURIComponent(apiVersion)}`;

export class ResourceCalls {
  constructor(
    private readonly manager: ResourceManager,
    private readonly appId: string,
    private readonly now: () => Date,
  ) {}

  /** PUTs a planned resource with its evaluated body: done, failed, or running with what to poll. */
  async start(planned: PlannedResource, body: unknown): Promise<ResourceProgress> {
    const startedAt = this.now().toISOString();
    const base = { operationId: operationId(), startedAt };
    const answer = await this.manager.send({
      appId: this.appId,
      method: 'PUT',
      path: resourcePath(planned.id, planned.apiVersion),
      body,
    });
    return { ...base, ...this.outcome(answer, resourcePath(planned.id, planned.apiVersion)) };
  }

  /** DELETEs a resource a complete-mode deployment does not keep. */
  async delete(planned: PlannedResource): Promise<ResourceProgress> {
    const base = { operationId: operationId(), startedAt: this.now().toISOString() };
    const path = resourcePath(planned.id, planned.apiVersion);
    const answer = await this.manager.send({ appId: this.appId, method: 'DELETE', path });
    if (answer.status === 202 && !answer.headers['azure-asyncoperation'] && !answer.headers.location)
      return { ...base, state: 'Running', statusCode: 'Accepted', poll: { path, kind: 'gone' } };
    return { ...base, ...this.outcome(answer, path) };
  }

  /** A failure before any request: the resource's body could not be evaluated. */
  failedBeforeStart(error: ArmErrorBody): ResourceProgress {
    const at = this.now().toISOString();
    return { state: 'Failed', operationId: operationId(), startedAt: at, endedAt: at, statusCode: 'BadRequest', error };
  }

  /** One look at a Running resource's provider. */
  async poll(progress: ResourceProgress): Promise<ResourceProgress> {
    const poll = progress.poll;
    if (!poll) return progress;
    const answer = await this.manager.send({ appId: this.appId, method: 'GET', path: poll.path });
    if (poll.kind === 'gone') return answer.status === 404 ? this.ended(progress, 'Succeeded', answer) : progress;
    if (answer.status >= 400) return this.ended(progress, 'Failed', answer);
    if (poll.kind === 'location') return answer.status === 202 ? progress : this.ended(progress, 'Succeeded', answer);
    if (poll.kind === 'status') {
      const status = String((answer.body as { status?: unknown } | undefined)?.status ?? '').toLowerCase();
      if (status === 'succeeded') return this.ended(progress, 'Succeeded', answer);
      if (status === 'failed' || status === 'canceled') return this.ended(progress, 'Failed', answer);
      return progress;
    }
    const state = provisioningState(answer.body);
    if (state !== undefined && UNFINISHED.has(state)) return progress;
    return this.ended(progress, state === 'failed' || state === 'canceled' ? 'Failed' : 'Succeeded', answer);
  }

  /** reference() and list*() for this deployment's expressions: reads as its principal. */
  runtime(plan: PlannedResource[]): Runtime {
    return {
      reference: async (target, apiVersion, full) => {
        const planned = findPlanned(plan, target);
        const id = planned?.id ?? target;
        if (!id.toLowerCase().startsWith('/subscriptions/'))
          throw new Error(`The resource '${target}' referenced by 'reference' is not defined in the template.`);
        const version = apiVersion ?? planned?.apiVersion;
        if (version === undefined)
          throw new Error(
            `The 'apiVersion' of 'reference' must be given for the resource '${target}', which is not defined in the template.`,
          );
        const answer = await this.manager.send({ appId: this.appId, method: 'GET', path: resourcePath(id, version) });
        if (answer.status !== 200)
          throw new Error(`The resource '${id}' could not be read: ${errorOf(answer).message}`);
        const body = isObject(answer.body) ? answer.body : {};
        return full ? { ...body, apiVersion: version } : (body.properties ?? {});
      },
      list: async (fn, resourceId, apiVersion, body) => {
        const answer = await this.manager.send({
          appId: this.appId,
          method: 'POST',
          path: `${resourceId.replace(/\/+$/, '')}/${fn}?api-version=${encodeURIComponent(apiVersion)}`,
          ...(body !== undefined ? { body } : {}),
        });
        if (answer.status !== 200) throw new Error(`'${fn}' of '${resourceId}' failed: ${errorOf(answer).message}`);
        return answer.body;
      },
    };
  }

  private outcome(answer: ArmAnswer, resource: string): Omit<ResourceProgress, 'operationId' | 'startedAt'> {
    const statusCode = STATUS_NAMES[answer.status] ?? String(answer.status);
    const at = this.now().toISOString();
    if (answer.status >= 400) return { state: 'Failed', endedAt: at, statusCode, error: errorOf(answer) };
    const asyncOperation = answer.headers['azure-asyncoperation'];
    if (asyncOperation) return { state: 'Running', statusCode, poll: { path: pathOf(asyncOperation), kind: 'status' } };
    if (answer.status === 202 && answer.headers.location)
      return { state: 'Running', statusCode, poll: { path: pathOf(answer.headers.location), kind: 'location' } };
    const state = provisioningState(answer.body);
    if (state !== undefined && UNFINISHED.has(state))
      return { state: 'Running', statusCode, poll: { path: resource, kind: 'resource' } };
    if (state === 'failed') return { state: 'Failed', endedAt: at, statusCode, error: errorOf(answer) };
    return { state: 'Succeeded', endedAt: at, statusCode };
  }

  private ended(progress: ResourceProgress, state: 'Succeeded' | 'Failed', answer: ArmAnswer): ResourceProgress {
    const { poll: _done, ...rest } = progress;
    return {
      ...rest,
      state,
      endedAt: this.now().toISOString(),
      ...(state === 'Failed' ? { error: errorOf(answer) } : {}),
    };
  }
}

function provisioningState(body: unknown): string | undefined {
  const state = isObject(body) && isObject(body.properties) ? body.properties.provisioningState : undefined;
  return typeof state === 'string' ? state.toLowerCase() : undefined;
}

function errorOf(answer: ArmAnswer): ArmErrorBody {
  const body = answer.body;
  const error = isObject(body) && isObject(body.error) ? body.error : undefined;
  if (error && typeof error.code === 'string' && typeof error.message === 'string')
    return error as unknown as ArmErrorBody;
  const nested =
    isObject(body) && isObject(body.properties) && isObject(body.properties.error) ? body.properties.error : undefined;
  if (nested && typeof nested.code === 'string') return nested as unknown as ArmErrorBody;
  return {
    code: STATUS_NAMES[answer.status] ?? 'ResourceDeploymentFailure',
    message: `The resource provider answered ${answer.status}${typeof body === 'string' && body ? `: ${body}` : '.'}`,
  };
}

/** A planned resource named as `reference()` and `dependsOn` name one: its id, type/name or name. */
export function findPlanned(plan: PlannedResource[], target: string): PlannedResource | undefined {
  const wanted = target.toLowerCase().replace(/\/+$/, '');
  return (
    plan.find((p) => p.id.toLowerCase() === wanted) ??
    plan.find((p) => `${p.type}/${p.name}`.toLowerCase() === wanted) ??
    plan.find((p) => p.name.toLowerCase() === wanted)
  );
}

const pathOf = (url: string) => {
  const parsed = new URL(url, 'http://kiln.invalid');
  return `${parsed.pathname}${parsed.search}`;
};

/** Deployment operation ids look like ARM's: 16 upper-case hex digits. */
const operationId = () => newGuid().replaceAll('-', '').slice(0, 16).toUpperCase();
