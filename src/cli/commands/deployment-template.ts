/**
 * What `create`, `validate` and `what-if` send: the template file (JSON, comments allowed, as az
 * reads it), the parameters (deployment-parameters.ts), the mode, and the deployment's name, by
 * default the template file's name without its extension, as az names it.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { UsageError, type Flag } from '../arm/args.ts';
import type { Context } from '../arm/command.ts';
import { parseJsonc } from './deployment-json.ts';
import { addMissingParameters, readParameters, type Declarations } from './deployment-parameters.ts';

export const TEMPLATE_FLAGS: Flag[] = [
  {
    name: 'name',
    short: 'n',
    help: "The deployment name. Default: the template file's name without its extension.",
  },
  {
    name: 'template-file',
    short: 'f',
    required: true,
    help: 'The path to the template file: JSON, comments allowed.',
  },
  {
    name: 'parameters',
    short: 'p',
    kind: 'list',
    help: 'Supply deployment parameter values: a file (@params.json or its path), a JSON string, or NAME=VALUE pairs. Parameters are evaluated in order, so when a value is assigned twice, the latter value is used: give the parameters file first, then override selectively with NAME=VALUE.',
  },
  {
    name: 'no-prompt',
    kind: 'bool',
    help: 'Do not ask for missing parameters (the server then refuses the deployment, naming them). Without a terminal they are never asked for: the command fails naming them.',
  },
];

export const MODE: Flag = {
  name: 'mode',
  values: ['Incremental', 'Complete'],
  default: 'Incremental',
  help: 'The deployment mode: Complete also deletes what the resource group holds and the template does not.',
};

export interface DeploymentInput {
  name: string;
  /** `properties` of the request: template, parameters and mode. */
  properties: { template: Record<string, unknown>; parameters: Record<string, unknown>; mode: string };
}

export async function deploymentInput(ctx: Context): Promise<DeploymentInput> {
  const file = ctx.args.required('template-file');
  const template = await readTemplate(file);
  const declared = template.parameters;
  const declarations = (typeof declared === 'object' && declared !== null ? declared : {}) as Declarations;
  const warn = (text: string) => ctx.progress.line(text);
  const given = await readParameters(ctx.args.list('parameters') ?? [], declarations, warn);
  const parameters = await addMissingParameters(given, declarations, {
    noPrompt: ctx.args.bool('no-prompt') === true,
    warn,
  });
  return {
    name: ctx.args.string('name') ?? basename(file, extname(file)),
    properties: { template, parameters, mode: ctx.args.string('mode') ?? 'Incremental' },
  };
}

async function readTemplate(file: string): Promise<Record<string, unknown>> {
  if (/\.bicep$/i.test(file))
    throw new UsageError(
      `argument --template-file: Kiln does not build Bicep files: run 'bicep build ${file}' and give the JSON template it writes.`,
    );
  let text: string;
  try {
    text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  } catch (error) {
    throw new UsageError(`argument --template-file: cannot read '${file}': ${(error as Error).message}`);
  }
  let template: unknown;
  try {
    template = parseJsonc(text);
  } catch (error) {
    throw new UsageError(
      `Failed to parse '${file}', please check whether it is a valid JSON format: ${(error as Error).message}`,
    );
  }
  if (typeof template !== 'object' || template === null || Array.isArray(template))
    throw new UsageError(`argument --template-file: '${file}' must hold a JSON object (an ARM template).`);
  return template as Record<string, unknown>;
}
