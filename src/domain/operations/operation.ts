/**
 * Long-running operations as ARM exposes them: a status resource (`InProgress`, `Succeeded`,
 * `Failed`, `Canceled`) polled through `Azure-AsyncOperation` / `Location`.
 */
import type { ArmErrorBody } from '../../core/arm-error.ts';
import { newGuid } from '../../core/ids.ts';
import type { NewRecord, Write } from '../../ports/metadata-store.ts';

export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';

export interface OperationData {
  name: string;
  subscription: string;
  /** Provider namespace that serves the status URL, e.g. `Microsoft.Compute`. */
  namespace: string;
  location: string;
  status: OperationStatus;
  startTime: string;
  endTime?: string;
  error?: ArmErrorBody;
  /** Result handed out on completion (e.g. an AccessUri), as `properties.output`. */
  output?: unknown;
  /** Id of the resource the operation acts on: who may read it may poll the operation. */
  resourceId: string;
  /**
   * Object id of the principal that started the operation, kept where the work may end that
   * principal's own access to the resource (a group delete deletes the role assignments in it), so it
   * can still poll to the end.
   */
  startedBy?: string;
}

export const OPERATION_KIND = 'kiln/operations';

export function operationKey(subscription: string, name: string): string {
  return `/subscriptions/${subscription}/operations/${name}`.toLowerCase();
}

export function operationRecord(data: OperationData): NewRecord<OperationData> {
  return {
    key: operationKey(data.subscription, data.name),
    kind: OPERATION_KIND,
    subscription: data.subscription.toLowerCase(),
    resourceGroup: null,
    parent: null,
    data,
  };
}

export function startOperation(
  init: Pick<OperationData, 'subscription' | 'namespace' | 'location' | 'resourceId' | 'startedBy'>,
  now: Date,
): { data: OperationData; write: Write } {
  const data: OperationData = { ...init, name: newGuid(), status: 'InProgress', startTime: now.toISOString() };
  return { data, write: { op: 'put', record: operationRecord(data), expect: { absent: true } } };
}

/** An operation acting on `resource`, started `now`: what a long-running call on it returns to poll. */
export function startOperationOn(
  resource: { id: string; location: string },
  init: Pick<OperationData, 'subscription' | 'namespace' | 'startedBy'>,
  now: Date,
): { data: OperationData; write: Write } {
  return startOperation({ ...init, location: resource.location, resourceId: resource.id }, now);
}

export function finishOperation(
  data: OperationData,
  now: Date,
  result: { status: Exclude<OperationStatus, 'InProgress'>; error?: ArmErrorBody; output?: unknown },
): Write {
  return { op: 'put', record: operationRecord({ ...data, ...result, endTime: now.toISOString() }) };
}

/**
 * An operation on `resource` that ends as it starts, `now`: what a call polled as long-running returns
 * when Kiln did its work before answering (the write records it already finished).
 */
export function finishedOperationOn(
  resource: { id: string; location: string },
  init: Pick<OperationData, 'subscription' | 'namespace'>,
  now: Date,
  result: { status: Exclude<OperationStatus, 'InProgress'>; error?: ArmErrorBody },
): { data: OperationData; write: Write } {
  const started = startOperationOn(resource, init, now);
  return {
    data: { ...started.data, ...result, endTime: now.toISOString() },
    write: finishOperation(started.data, now, result),
  };
}
