/**
 * A deployment as ARM shows it (DeploymentExtended) and what Kiln keeps beside it to run it: the
 * template, the parameter values (secure ones too, until the run ends: then they are erased), the
 * principal it acts as, its plan (template/plan.ts) and the progress of each planned resource.
 */
import { formatResourceId } from '../../core/resource-id.ts';
import type { ArmErrorBody } from '../../core/arm-error.ts';
import type { OperationData } from '../operations/operation.ts';
import type { ArmResource, ResourceRecord } from '../shared/arm-resource.ts';
import type { PlannedResource } from './template/plan.ts';

/** Where a deployment lives: a resource group, or a subscription when `resourceGroup` is absent. */
export interface DeploymentScope {
  subscription: string;
  resourceGroup?: string;
}

export interface DeploymentRef extends DeploymentScope {
  name: string;
}

export type DeploymentState = 'Accepted' | 'Running' | 'Succeeded' | 'Failed' | 'Canceled';

export const isFinished = (state: DeploymentState) => state !== 'Accepted' && state !== 'Running';

export interface ResourceReferenceOut {
  id: string;
  resourceType: string;
  resourceName: string;
}

export interface Deployment extends ArmResource {
  type: 'Microsoft.Resources/deployments';
  properties: {
    provisioningState: DeploymentState;
    correlationId: string;
    timestamp: string;
    duration: string;
    mode: 'Incremental' | 'Complete';
    templateHash: string;
    parameters?: Record<string, { type: string; value?: unknown }>;
    templateLink?: unknown;
    parametersLink?: unknown;
    debugSetting?: { detailLevel: string };
    outputs?: Record<string, { type: string; value?: unknown }>;
    outputResources?: { id: string }[];
    dependencies: (ResourceReferenceOut & { dependsOn: ResourceReferenceOut[] })[];
    providers: { namespace: string; resourceTypes: { resourceType: string; locations: string[] }[] }[];
    error?: ArmErrorBody;
  };
}

/** How far one planned resource got. */
export interface ResourceProgress {
  state: 'Running' | 'Succeeded' | 'Failed';
  operationId: string;
  startedAt: string;
  endedAt?: string;
  /** What to GET to learn how a Running resource's provider is doing, and what that answers. */
  poll?: { path: string; kind: 'status' | 'location' | 'resource' | 'gone' };
  /** HTTP status of the provider's answer, as deployment operations show it (`Created`, `OK`). */
  statusCode?: string;
  error?: ArmErrorBody;
}

export interface DeploymentInternal {
  template: Record<string, unknown>;
  /** Every parameter's value as bound, secure ones included while the run lasts. */
  parameterValues: Record<string, unknown>;
  /** Names of the secure parameters, erased from `parameterValues` when the run ends. */
  secureParameters: string[];
  /** Who the deployment acts as: every request it makes is this principal's. */
  principal: { appId: string; objectId: string };
  plan: PlannedResource[];
  /** By planned resource key. */
  progress: Record<string, ResourceProgress>;
  operation: OperationData;
  startedAt: string;
  /** Complete mode: what the group holds beyond the template was added to the plan, to delete. */
  deletionsPlanned?: boolean;
  /** A cancel was asked for: nothing more starts, the run ends Canceled. */
  cancelRequested?: boolean;
}

export type DeploymentRecord = ResourceRecord<Deployment, DeploymentInternal>;

export function deploymentId({ subscription, resourceGroup, name }: DeploymentRef): string {
  return formatResourceId({
    subscription,
    ...(resourceGroup !== undefined ? { resourceGroup } : {}),
    namespace: 'Microsoft.Resources',
    types: [['deployments', name]],
  });
}
