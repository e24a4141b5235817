/**
 * `kiln deployment group|sub show|list|delete|cancel|export|wait`: deployments that exist, as az's.
 * Deleting a deployment deletes its history, never what it deployed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ArmError, type ArmErrorBody } from '../../core/arm-error.ts';
import { API_VERSIONS } from '../arm/api-versions.ts';
import { UsageError } from '../arm/args.ts';
import type { CommandSpec } from '../arm/command.ts';
import { applyQuery, azView } from '../arm/output.ts';
import { waiting } from '../arm/resources.ts';
import {
  byTimestamp,
  DEPLOYMENT_NAME,
  deploymentPath,
  deploymentTable,
  type DeploymentScope,
} from './deployment-scope.ts';

const API = API_VERSIONS.deployments;

export function manageCommands(scope: DeploymentScope): CommandSpec[] {
  const flags = [...scope.flags, DEPLOYMENT_NAME];
  const names = `${scope.name === 'group' ? '-g MyResourceGroup ' : ''}-n MyDeployment`;
  const command = (name: string) => `kiln deployment ${scope.name} ${name} ${names}`;
  return [
    {
      name: 'show',
      summary: `Show a deployment ${scope.where}.`,
      flags,
      examples: [
        { title: 'Show a deployment.', command: command('show') },
        { title: 'Its outputs.', command: `${command('show')} --query properties.outputs` },
      ],
      show: true,
      nested: true,
      table: deploymentTable,
      async run(ctx) {
        const session = await ctx.session();
        return session.client.get(deploymentPath(scope, session, ctx.args), API);
      },
    },
    {
      name: 'list',
      summary: `List deployments ${scope.where}.`,
      flags: scope.flags,
      examples: [
        {
          title: 'The deployments, oldest first, as a table.',
          command: `kiln deployment ${scope.name} list${scope.name === 'group' ? ' -g MyResourceGroup' : ''} -o table`,
        },
      ],
      nested: true,
      table: deploymentTable,
      async run(ctx) {
        const session = await ctx.session();
        const list = await session.client.list(scope.collection(session, ctx.args), API);
        const asTable = ctx.args.string('output') === 'table' && ctx.args.string('query') === undefined;
        return asTable ? byTimestamp(list) : list;
      },
    },
    {
      name: 'delete',
      summary: `Delete a deployment ${scope.where}: its history, not the resources it deployed.`,
      flags,
      examples: [{ title: 'Delete a deployment.', command: command('delete') }],
      longRunning: true,
      async run(ctx) {
        const session = await ctx.session();
        return session.client.longRunning('DELETE', deploymentPath(scope, session, ctx.args), API, waiting(ctx));
      },
    },
    {
      name: 'cancel',
      summary: `Cancel a deployment ${scope.where} that is running: nothing more starts; what runs finishes.`,
      flags,
      examples: [{ title: 'Cancel a running deployment.', command: command('cancel') }],
      async run(ctx) {
        const session = await ctx.session();
        await session.client.send('POST', `${deploymentPath(scope, session, ctx.args)}/cancel`, { apiVersion: API });
        return undefined;
      },
    },
    {
      name: 'export',
      summary: `Export the template used for a deployment ${scope.where}.`,
      flags,
      examples: [{ title: 'Save the template of a deployment.', command: `${command('export')} > template.json` }],
      async run(ctx) {
        const session = await ctx.session();
        const path = `${deploymentPath(scope, session, ctx.args)}/exportTemplate`;
        const { template } = (await session.client.send('POST', path, { apiVersion: API })).body as {
          template: unknown;
        };
        // az prints the template itself, whatever -o says.
        ctx.write(`${JSON.stringify(template, null, 2)}\n`);
        return undefined;
      },
    },
    waitCommand(scope, flags, command('wait')),
  ];
}

const CONDITIONS = ['created', 'updated', 'deleted', 'exists'] as const;

/** az's generic wait: polls the deployment until the condition holds; a Failed one ends the wait with its error. */
function waitCommand(scope: DeploymentScope, flags: CommandSpec['flags'], example: string): CommandSpec {
  return {
    name: 'wait',
    summary: `Place the CLI in a waiting state until a condition of a deployment ${scope.where} is met.`,
    flags: [
      ...flags,
      { name: 'created', kind: 'switch', help: "Wait until created with 'provisioningState' at 'Succeeded'." },
      { name: 'updated', kind: 'switch', help: "Wait until updated with provisioningState at 'Succeeded'." },
      { name: 'deleted', kind: 'switch', help: 'Wait until deleted.' },
      { name: 'exists', kind: 'switch', help: 'Wait until the resource exists.' },
      {
        name: 'custom',
        help: "Wait until the condition satisfies a custom JMESPath query, e.g. properties.provisioningState!='Running'.",
      },
      { name: 'interval', default: '30', help: 'Polling interval in seconds.' },
      { name: 'timeout', default: '3600', help: 'Maximum wait in seconds.' },
    ],
    examples: [{ title: 'Wait until a deployment has succeeded.', command: `${example} --created` }],
    async run(ctx) {
      const { args } = ctx;
      const custom = args.string('custom');
      if (!CONDITIONS.some((c) => args.bool(c)) && custom === undefined)
        throw new UsageError('incorrect usage: --created | --updated | --deleted | --exists | --custom JMESPATH');
      const interval = Math.max(1, args.integer('interval') ?? 30);
      const timeout = args.integer('timeout') ?? 3600;
      const session = await ctx.session();
      const path = deploymentPath(scope, session, args);
      for (let waited = 0; waited < timeout; waited += interval) {
        ctx.progress.update('- Waiting ..');
        let deployment: { properties?: { provisioningState?: string; error?: ArmErrorBody } };
        try {
          deployment = (await session.client.get(path, API)) as typeof deployment;
        } catch (error) {
          if (!(error instanceof ArmError && error.status === 404)) throw error;
          if (args.bool('deleted')) return undefined;
          if (!args.bool('created') && !args.bool('exists') && custom === undefined) throw error;
          await sleep(interval * 1000);
          continue;
        }
        if (args.bool('exists')) return undefined;
        const state = deployment.properties?.provisioningState?.toLowerCase();
        if (state === 'failed') throw failed(deployment.properties?.error);
        if (((args.bool('created') || args.bool('updated')) && state === 'succeeded') || holds(deployment, custom))
          return undefined;
        await sleep(interval * 1000);
      }
      throw new Error(`Wait operation timed-out after ${timeout} seconds`);
    },
  };
}

/** The --custom query holds: its result is true in Python's sense (not null, false, 0 or empty). */
function holds(deployment: unknown, custom: string | undefined): boolean {
  if (custom === undefined) return false;
  const result = applyQuery(azView(deployment, true), custom);
  if (typeof result === 'object' && result !== null) return Object.keys(result).length > 0;
  return Boolean(result);
}

const failed = (error: ArmErrorBody | undefined) =>
  error
    ? new ArmError(200, error.code, error.message, error.target, error.details ?? [])
    : new Error('The operation failed');
