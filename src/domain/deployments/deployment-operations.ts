/**
 * Microsoft.Resources/deployments/operations: one per resource a deployment started, as ARM lists
 * them (what `az deployment operation group list` shows): the resource, the provider's HTTP status by
 * name, the state, and the provider's error when it failed.
 */
import { ArmError } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import type { DeploymentRef, ResourceProgress } from './deployment.ts';
import { getDeployment } from './operations.ts';
import { isoDuration } from './run-deployment.ts';
import type { PlannedResource } from './template/plan.ts';

export interface DeploymentOperation {
  id: string;
  operationId: string;
  properties: {
    provisioningOperation: 'Create' | 'Delete';
    provisioningState: ResourceProgress['state'];
    timestamp: string;
    duration: string;
    trackingId: string;
    statusCode?: string;
    statusMessage?: { status: string; error?: unknown };
    targetResource: { id: string; resourceType: string; resourceName: string; apiVersion: string };
  };
}

export async function listDeploymentOperations(ctx: DomainContext, ref: DeploymentRef): Promise<DeploymentOperation[]> {
  const record = await getDeployment(ctx, ref);
  const { resource, internal } = record.data;
  return internal.plan
    .filter((p) => internal.progress[p.key])
    .map((p) => operationOf(resource.id, p, internal.progress[p.key], ctx.clock.now()));
}

export async function getDeploymentOperation(
  ctx: DomainContext,
  ref: DeploymentRef,
  operationId: string,
): Promise<DeploymentOperation> {
  const found = (await listDeploymentOperations(ctx, ref)).find(
    (o) => o.operationId.toLowerCase() === operationId.toLowerCase(),
  );
  if (!found)
    throw new ArmError(
      404,
      'DeploymentOperationNotFound',
      `The deployment operation '${operationId}' could not be found.`,
    );
  return found;
}

function operationOf(
  deploymentId: string,
  planned: PlannedResource,
  progress: ResourceProgress,
  now: Date,
): DeploymentOperation {
  const end = progress.endedAt ? Date.parse(progress.endedAt) : now.getTime();
  return {
    id: `${deploymentId}/operations/${progress.operationId}`,
    operationId: progress.operationId,
    properties: {
      provisioningOperation: planned.deletes ? 'Delete' : 'Create',
      provisioningState: progress.state,
      timestamp: progress.endedAt ?? progress.startedAt,
      duration: isoDuration(end - Date.parse(progress.startedAt)),
      trackingId: progress.operationId,
      ...(progress.statusCode ? { statusCode: progress.statusCode } : {}),
      ...(progress.state !== 'Running'
        ? { statusMessage: { status: progress.state, ...(progress.error ? { error: progress.error } : {}) } }
        : {}),
      targetResource: {
        id: planned.id,
        resourceType: planned.type,
        resourceName: planned.name,
        apiVersion: planned.apiVersion,
      },
    },
  };
}
