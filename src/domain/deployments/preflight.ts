/**
 * `POST .../deployments/{name}/validate`: the checks a PUT makes (body, parameters, plan), without
 * keeping or deploying anything. Valid: 200 with the deployment as it would start and the resources
 * it would deploy; invalid: the same 400 the PUT would answer.
 */
import type { DomainContext } from '../context.ts';
import { deploymentId, type Deployment, type DeploymentRef } from './deployment.ts';
import { deploymentResource, planDeployment } from './operations.ts';

export async function validateDeployment(
  ctx: DomainContext,
  ref: DeploymentRef,
  body: Record<string, unknown>,
): Promise<Deployment & { properties: { validatedResources: { id: string }[] } }> {
  const planned = await planDeployment(ctx, ref, body);
  const deployment = deploymentResource(deploymentId(ref), ref, planned, ctx.clock.now(), 'Succeeded');
  return {
    ...deployment,
    properties: { ...deployment.properties, validatedResources: planned.plan.map((p) => ({ id: p.id })) },
  };
}
