/**
 * `kiln deployment`: ARM template deployments, as `az deployment`: at a resource group (`group`) and
 * at a subscription (`sub`), and their operations (deployment-operation.ts).
 */
import type { GroupSpec } from '../arm/command.ts';
import { createCommand, validateCommand, whatIfCommand } from './deployment-create.ts';
import { manageCommands } from './deployment-manage.ts';
import { deploymentOperation } from './deployment-operation.ts';
import { GROUP_SCOPE, SUBSCRIPTION_SCOPE, type DeploymentScope } from './deployment-scope.ts';

const scopeGroup = (scope: DeploymentScope, summary: string): GroupSpec => ({
  name: scope.name,
  summary,
  commands: [createCommand(scope), validateCommand(scope), whatIfCommand(scope), ...manageCommands(scope)],
});

export const deployment: GroupSpec = {
  name: 'deployment',
  summary: 'Manage ARM template deployments at a resource group or a subscription.',
  commands: [],
  groups: [
    scopeGroup(GROUP_SCOPE, 'Manage deployments at a resource group.'),
    scopeGroup(SUBSCRIPTION_SCOPE, 'Manage deployments at a subscription.'),
    deploymentOperation,
  ],
};
