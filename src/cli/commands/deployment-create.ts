/**
 * `kiln deployment group|sub create|validate|what-if`: the commands that send a template, as az's.
 * create PUTs the deployment and follows it to its end (a failed one prints its error, one detail
 * per failed resource naming it and its place in the template, and exits 1); `--what-if` and
 * `--confirm-with-what-if` show the what-if report first. validate and what-if change nothing.
 */
import { ArmError, type ArmErrorBody } from '../../core/arm-error.ts';
import { API_VERSIONS } from '../arm/api-versions.ts';
import { UsageError, type Flag } from '../arm/args.ts';
import type { CommandSpec, Context } from '../arm/command.ts';
import { waiting } from '../arm/resources.ts';
import { askYesNo } from './deployment-prompt.ts';
import { deploymentPath, deploymentTable, validationTable, type DeploymentScope } from './deployment-scope.ts';
import { deploymentInput, MODE, TEMPLATE_FLAGS, type DeploymentInput } from './deployment-template.ts';
import { whatIfReport, type WhatIfChange } from './deployment-what-if-report.ts';

const API = API_VERSIONS.deployments;
const CHANGE_TYPES = ['Create', 'Delete', 'Deploy', 'Ignore', 'Modify', 'NoChange', 'Unsupported'] as const;
const RESULT_FORMATS = ['FullResourcePayloads', 'ResourceIdOnly'] as const;

const inputFlags = (scope: DeploymentScope): Flag[] => [
  ...scope.createFlags,
  ...TEMPLATE_FLAGS,
  ...(scope.name === 'group' ? [MODE] : []),
];

export function createCommand(scope: DeploymentScope): CommandSpec {
  const at = `kiln deployment ${scope.name} create ${scope.example}`;
  return {
    name: 'create',
    summary: `Start a deployment ${scope.where}.`,
    flags: [
      ...inputFlags(scope),
      { name: 'what-if', short: 'w', kind: 'switch', help: 'Only run the deployment What-If and show its report.' },
      {
        name: 'confirm-with-what-if',
        short: 'c',
        kind: 'switch',
        help: 'Run the deployment What-If first and ask before deploying.',
      },
      {
        name: 'proceed-if-no-change',
        kind: 'switch',
        help: 'With --confirm-with-what-if: deploy without asking when the What-If shows no change.',
      },
      {
        name: 'what-if-exclude-change-types',
        short: 'x',
        kind: 'list',
        help: `Change types left out of the What-If report (with -c). Allowed values: ${CHANGE_TYPES.join(', ')}.`,
      },
      {
        name: 'what-if-result-format',
        short: 'r',
        values: RESULT_FORMATS,
        default: 'FullResourcePayloads',
        help: 'The format of the What-If results (with -c).',
      },
    ],
    examples: [
      {
        title: 'Deploy a template with a parameters file, overriding one value.',
        command: `${at} -f azuredeploy.json -p @azuredeploy.parameters.json -p galleryName=myGallery`,
      },
      {
        title: 'Parameters as a JSON string.',
        command: `${at} -n rollout01 -f azuredeploy.json -p '{ "galleryName": { "value": "myGallery" } }'`,
      },
      { title: 'See what it would change, then confirm.', command: `${at} -f azuredeploy.json -c` },
    ],
    longRunning: true,
    nested: true,
    table: deploymentTable,
    async run(ctx) {
      const input = await deploymentInput(ctx);
      if (ctx.args.bool('what-if') || ctx.args.bool('confirm-with-what-if')) {
        const format = ctx.args.string('what-if-result-format');
        const changes = await whatIf(ctx, scope, input, format, changeTypes(ctx, 'what-if-exclude-change-types'));
        ctx.write(whatIfReport(changes, process.stdout.isTTY === true));
        if (ctx.args.bool('what-if')) return undefined;
        const unchanged = changes.every((c) => c.changeType === 'NoChange' || c.changeType === 'Ignore');
        if (
          !(ctx.args.bool('proceed-if-no-change') && unchanged) &&
          !(await askYesNo(ctx, 'Are you sure you want to execute the deployment?'))
        )
          return undefined;
      }
      const session = await ctx.session();
      const path = deploymentPath(scope, session, ctx.args, input.name);
      return session.client.longRunning('PUT', path, API, {
        body: scope.body(ctx.args, input.properties),
        ...waiting(ctx),
      });
    },
  };
}

export function validateCommand(scope: DeploymentScope): CommandSpec {
  return {
    name: 'validate',
    summary: `Validate whether a template is valid ${scope.where}: the checks a create makes, without deploying.`,
    flags: inputFlags(scope),
    examples: [
      {
        title: 'Validate a template and its parameters.',
        command: `kiln deployment ${scope.name} validate ${scope.example} -f azuredeploy.json -p @azuredeploy.parameters.json`,
      },
    ],
    nested: true,
    table: validationTable,
    async run(ctx) {
      const input = await deploymentInput(ctx);
      const session = await ctx.session();
      const path = `${deploymentPath(scope, session, ctx.args, input.name)}/validate`;
      return session.client.longRunning('POST', path, API, { body: scope.body(ctx.args, input.properties) });
    },
  };
}

export function whatIfCommand(scope: DeploymentScope): CommandSpec {
  return {
    name: 'what-if',
    summary: `Execute a deployment What-If operation ${scope.where}: what the deployment would create, modify or delete.`,
    flags: [
      ...inputFlags(scope),
      {
        name: 'exclude-change-types',
        short: 'x',
        kind: 'list',
        help: `Space-separated list of resource change types to be excluded from What-If results. Allowed values: ${CHANGE_TYPES.join(', ')}.`,
      },
      {
        name: 'result-format',
        short: 'r',
        values: RESULT_FORMATS,
        default: 'FullResourcePayloads',
        help: 'The format of What-If results.',
      },
      {
        name: 'no-pretty-print',
        kind: 'switch',
        help: 'Disable pretty-print for What-If results. When set, the output format type will be used.',
      },
    ],
    examples: [
      {
        title: 'What a template would change.',
        command: `kiln deployment ${scope.name} what-if ${scope.example} -f azuredeploy.json -p @azuredeploy.parameters.json`,
      },
      {
        title: 'The ids of the resources it would modify, as JSON.',
        command: `kiln deployment ${scope.name} what-if ${scope.example} -f azuredeploy.json --no-pretty-print --query "changes[?changeType=='Modify'].resourceId"`,
      },
    ],
    async run(ctx) {
      const input = await deploymentInput(ctx);
      const changes = await whatIf(
        ctx,
        scope,
        input,
        ctx.args.string('result-format'),
        changeTypes(ctx, 'exclude-change-types'),
      );
      if (ctx.args.bool('no-pretty-print')) return { status: 'Succeeded', error: null, changes };
      ctx.write(whatIfReport(changes, process.stdout.isTTY === true));
      return undefined;
    },
  };
}

/** A list flag of change types, each checked as argparse checks choices (without case). */
function changeTypes(ctx: Context, flag: string): string[] {
  return (ctx.args.list(flag) ?? []).map((given) => {
    const type = CHANGE_TYPES.find((t) => t.toLowerCase() === given.toLowerCase());
    if (type === undefined)
      throw new UsageError(
        `argument --${flag}/-x: invalid choice: '${given}' (choose from ${CHANGE_TYPES.map((t) => `'${t}'`).join(', ')})`,
      );
    return type;
  });
}

/** POST whatIf; its changes less the excluded types. A result carrying an error fails, as in az. */
async function whatIf(
  ctx: Context,
  scope: DeploymentScope,
  input: DeploymentInput,
  resultFormat: string | undefined,
  exclude: string[],
): Promise<WhatIfChange[]> {
  const session = await ctx.session();
  const path = `${deploymentPath(scope, session, ctx.args, input.name)}/whatIf`;
  const properties = { ...input.properties, whatIfSettings: { resultFormat: resultFormat ?? 'FullResourcePayloads' } };
  const result = (await session.client.longRunning('POST', path, API, {
    body: scope.body(ctx.args, properties),
    ...waiting(ctx),
  })) as { status?: string; error?: ArmErrorBody; properties?: { changes?: WhatIfChange[] } } | undefined;
  if (result?.error)
    throw new ArmError(400, result.error.code, result.error.message, result.error.target, result.error.details ?? []);
  const skipped = new Set(exclude.map((type) => type.toLowerCase()));
  return (result?.properties?.changes ?? []).filter((c) => !skipped.has(c.changeType.toLowerCase()));
}
