/**
 * `deployment.run`: one step of a deployment at a time (domain/deployments/run-deployment.ts), tried
 * again shortly while its resources' providers work, without holding a worker. Deployments call
 * Kiln's own API, which only a process serving it has: elsewhere (`kiln build`) they wait for one.
 */
import { advanceDeployment, failDeployment } from '../../domain/deployments/run-deployment.ts';
import type { DomainContext } from '../../domain/context.ts';
import type { ResourceManager } from '../../ports/resource-manager.ts';
import { RetryLater, type TaskHandler } from '../task.ts';

export function deploymentTask(
  ctx: DomainContext,
  resources: ResourceManager | undefined,
): TaskHandler<{ key: string }> {
  return {
    run: async ({ key }) => {
      if (!resources) throw new RetryLater(5000, 'deployments run where Kiln serves its API (kiln serve)');
      if ((await advanceDeployment(ctx, resources, key)) === 'waiting')
        throw new RetryLater(500, 'waiting for the deployment’s resources');
      return [];
    },
    fail: ({ key }, error) => failDeployment(ctx, key, error),
  };
}
