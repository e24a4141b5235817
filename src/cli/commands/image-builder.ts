/**
 * `kiln image builder`: image templates, as `az image builder`: create from a template file, run
 * with live progress (run state and the build log's step lines), run outputs, the customization
 * log (`--follow` until the run ends), cancel, delete.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { API_VERSIONS } from '../arm/api-versions.ts';
import { header, type ArmClient, type ArmResponse, type Watch } from '../arm/arm-client.ts';
import type { Context, GroupSpec } from '../arm/command.ts';
import { readJsonObject } from '../arm/json-argument.ts';
import {
  deleteCommand,
  exampleNames,
  listCommand,
  LOCATION,
  locationOf,
  namedKind,
  nameFlags,
  resourcePath,
  showCommand,
  waiting,
} from '../arm/resources.ts';

export const TEMPLATE = namedKind({
  command: 'image builder',
  noun: 'image template',
  provider: 'Microsoft.VirtualMachineImages',
  apiVersion: API_VERSIONS.imageTemplates,
  collection: 'imageTemplates',
  example: 'MyTemplate',
});

const API = TEMPLATE.apiVersion;
const names = exampleNames(TEMPLATE);
/** Keys of an ARM deployment template's resource entry that are not part of the resource body. */
const DEPLOYMENT_KEYS = ['apiVersion', 'dependsOn', 'name', 'type'];

interface RunStatus {
  runState?: string;
  runSubState?: string;
  message?: string;
}

async function readTemplate(file: string): Promise<Record<string, unknown>> {
  const body = await readJsonObject('image-template', file, { what: 'an image template resource' });
  return Object.fromEntries(Object.entries(body).filter(([key]) => !DEPLOYMENT_KEYS.includes(key)));
}

function printWarnings(ctx: Context) {
  return (response: ArmResponse) => {
    const warnings = header(response, 'x-ms-kiln-warnings');
    if (!warnings) return;
    try {
      for (const w of JSON.parse(warnings) as Array<{ target: string; message: string }>)
        ctx.progress.line(`WARNING: ${w.target}: ${w.message}`);
    } catch {
      ctx.progress.line(`WARNING: ${warnings}`);
    }
  };
}

async function readLog(client: ArmClient, templatePath: string, offset: number) {
  const response = await client.send('GET', `${templatePath}/customizationLog`, {
    apiVersion: API,
    query: { offset: String(offset) },
  });
  return {
    text: typeof response.body === 'string' ? response.body : '',
    nextOffset: Number(header(response, 'x-ms-kiln-next-offset') ?? offset),
    complete: header(response, 'x-ms-kiln-log-complete') === 'true',
  };
}

/** Shows the run's state and the log's step lines (`==> step: ...`) while it runs. */
function runProgress(ctx: Context, client: ArmClient, templatePath: string): Watch {
  let offset = 0;
  return async () => {
    const template = (await client.get(templatePath, API)) as { properties?: { lastRunStatus?: RunStatus } };
    const status = template.properties?.lastRunStatus;
    const log = await readLog(client, templatePath, offset);
    offset = log.nextOffset;
    // Step lines, without the log's time stamps: `==> steps: started`.
    for (const line of log.text.split('\n'))
      if (line.includes('==> ')) ctx.progress.line(line.replace(/^\S+Z (?===> )/, ''));
    if (status?.runState)
      ctx.progress.update(
        `Run ${status.runState}${status.runSubState && status.runState === 'Running' ? `: ${status.runSubState}` : ''}`,
      );
  };
}

export const imageBuilder: GroupSpec = {
  name: 'builder',
  summary: 'Manage and run image templates (VM Image Builder).',
  commands: [
    {
      name: 'create',
      summary: 'Create an image template from a template file.',
      flags: [
        ...nameFlags(TEMPLATE),
        {
          name: 'image-template',
          required: true,
          help: 'Path of a JSON image template (the resource body: location, identity, properties with source, customize, distribute).',
        },
        { ...LOCATION, help: "Location, when the file has none. Default: the resource group's." },
      ],
      examples: [
        {
          title: 'Create a template from a file.',
          command: `kiln image builder create ${names} --image-template template.json`,
        },
      ],
      longRunning: true,
      async run(ctx) {
        const session = await ctx.session();
        const body = await readTemplate(ctx.args.required('image-template'));
        if (typeof body.location !== 'string') body.location = await locationOf(session, ctx.args);
        const path = resourcePath(TEMPLATE, session.subscription, ctx.args);
        return session.client.longRunning('PUT', path, API, { body, ...waiting(ctx), onResponse: printWarnings(ctx) });
      },
    },
    showCommand(TEMPLATE),
    listCommand(TEMPLATE),
    {
      name: 'run',
      summary: 'Build an image from a template; shows the run state and build steps until it ends.',
      flags: nameFlags(TEMPLATE),
      examples: [
        {
          title: 'Build and wait, then show the run state.',
          command: `kiln image builder run ${names} --query lastRunStatus`,
        },
        { title: 'Start a build and return at once.', command: `kiln image builder run ${names} --no-wait` },
      ],
      longRunning: true,
      async run(ctx) {
        const { client, subscription } = await ctx.session();
        const path = resourcePath(TEMPLATE, subscription, ctx.args);
        await client.longRunning('POST', `${path}/run`, API, waiting(ctx, runProgress(ctx, client, path)));
        return ctx.noWait ? undefined : client.get(path, API);
      },
    },
    {
      name: 'show-runs',
      summary: 'Show the outputs of the last run (the artifacts each distribute target made).',
      flags: [...nameFlags(TEMPLATE), { name: 'output-name', help: 'The runOutputName of one output.' }],
      examples: [
        { title: 'All run outputs as a table.', command: `kiln image builder show-runs ${names} -o table` },
        {
          title: 'The VHD URI of one output.',
          command: `kiln image builder show-runs ${names} --output-name vhd --query artifactUri -o tsv`,
        },
      ],
      show: true,
      async run(ctx) {
        const { client, subscription } = await ctx.session();
        const path = `${resourcePath(TEMPLATE, subscription, ctx.args)}/runOutputs`;
        const one = ctx.args.string('output-name');
        return one === undefined ? client.list(path, API) : client.get(`${path}/${encodeURIComponent(one)}`, API);
      },
    },
    {
      name: 'logs',
      summary: "Print the run's customization log (the last run's, or the one under way).",
      flags: [
        ...nameFlags(TEMPLATE),
        { name: 'follow', short: 'f', kind: 'switch', help: 'Keep printing new lines until the run ends.' },
      ],
      examples: [
        { title: 'The log of the last run.', command: `kiln image builder logs ${names}` },
        {
          title: 'Follow a run.',
          command: `kiln image builder run ${names} --no-wait && kiln image builder logs ${names} --follow`,
        },
      ],
      show: true,
      async run(ctx) {
        const { client, subscription } = await ctx.session();
        const path = resourcePath(TEMPLATE, subscription, ctx.args);
        const follow = ctx.args.bool('follow') === true;
        let offset = 0;
        for (;;) {
          const log = await readLog(client, path, offset);
          ctx.write(log.text);
          offset = log.nextOffset;
          if (!follow || log.complete) return undefined;
          await sleep(1000);
        }
      },
    },
    {
      name: 'cancel',
      summary: 'Cancel the run under way; waits until it has stopped and cleaned up.',
      flags: nameFlags(TEMPLATE),
      examples: [{ title: 'Cancel a build.', command: `kiln image builder cancel ${names}` }],
      longRunning: true,
      async run(ctx) {
        const { client, subscription } = await ctx.session();
        await client.longRunning('POST', `${resourcePath(TEMPLATE, subscription, ctx.args)}/cancel`, API, waiting(ctx));
        return undefined;
      },
    },
    deleteCommand(TEMPLATE),
  ],
};
