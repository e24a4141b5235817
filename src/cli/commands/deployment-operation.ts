/**
 * `kiln deployment operation group|sub list|show`: a deployment's operations, one per resource it
 * started (its state, the provider's HTTP status, the error of a failed one), as az lists them.
 */
import { API_VERSIONS } from '../arm/api-versions.ts';
import type { GroupSpec } from '../arm/command.ts';
import {
  DEPLOYMENT_NAME,
  deploymentPath,
  GROUP_SCOPE,
  SUBSCRIPTION_SCOPE,
  type DeploymentScope,
} from './deployment-scope.ts';

const API = API_VERSIONS.deployments;

function operationGroup(scope: DeploymentScope): GroupSpec {
  const flags = [...scope.flags, DEPLOYMENT_NAME];
  const names = `${scope.name === 'group' ? '-g MyResourceGroup ' : ''}-n MyDeployment`;
  return {
    name: scope.name,
    summary: `Manage deployment operations ${scope.where}.`,
    commands: [
      {
        name: 'list',
        summary: `List deployment operations ${scope.where}.`,
        flags,
        examples: [
          { title: "A deployment's operations.", command: `kiln deployment operation ${scope.name} list ${names}` },
          {
            title: 'The resources that failed, with their errors.',
            command: `kiln deployment operation ${scope.name} list ${names} --query "[?properties.provisioningState=='Failed'].{resource: properties.targetResource.id, error: properties.statusMessage.error.message}"`,
          },
        ],
        nested: true,
        async run(ctx) {
          const session = await ctx.session();
          return session.client.list(`${deploymentPath(scope, session, ctx.args)}/operations`, API);
        },
      },
      {
        name: 'show',
        summary: `Get deployment operations ${scope.where}.`,
        flags: [
          ...flags,
          { name: 'operation-ids', kind: 'list', required: true, help: 'A list of operation ids to show.' },
        ],
        examples: [
          {
            title: 'Two operations of a deployment.',
            command: `kiln deployment operation ${scope.name} show ${names} --operation-ids 0123ABCD 4567EF01`,
          },
        ],
        nested: true,
        async run(ctx) {
          const session = await ctx.session();
          const path = `${deploymentPath(scope, session, ctx.args)}/operations`;
          const ids = ctx.args.list('operation-ids') ?? [];
          return Promise.all(ids.map((id) => session.client.get(`${path}/${encodeURIComponent(id)}`, API)));
        },
      },
    ],
  };
}

export const deploymentOperation: GroupSpec = {
  name: 'operation',
  summary: 'Manage deployment operations: what each resource of a deployment did.',
  commands: [],
  groups: [operationGroup(GROUP_SCOPE), operationGroup(SUBSCRIPTION_SCOPE)],
};
