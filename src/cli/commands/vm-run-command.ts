/**
 * `kiln vm run-command`: `list` and `show` read a location's built-in commands as az prints them (the
 * SDK model's fields, `$schema` as `schema`, a document's absent `parameters` null); `invoke` runs one
 * in the running VM through the API's `runCommand`, as `az vm run-command invoke` runs it. `--parameters` are az's `[name=]value`: a value without a name
 * gets `arg1`, `arg2`, ... (az names them, since the API wants names); the server makes every value an
 * argument of the script and the named ones environment variables. `--scripts @file` is the file's
 * text, as az's `@` prefix loads one. The command id is the server's to judge, so a wrong one prints
 * the API's error. What it prints is az's: the RunCommandResult with each status's five fields, `time`
 * null where the API gives none (az's model shows it so).
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { UsageError } from '../arm/args.ts';
import type { GroupSpec } from '../arm/command.ts';
import { LOCATION, nameFlags, waiting } from '../arm/resources.ts';
import type { Session } from '../arm/session.ts';
import { vmPath } from './vm-details.ts';
import { VM } from './vm-kinds.ts';

interface InstanceViewStatus {
  code?: string;
  displayStatus?: string;
  level?: string;
  message?: string;
  time?: string;
}

const invoke = '-g MyResourceGroup -n MyVm --command-id RunShellScript --scripts';

/** A location's run commands, or one of them. */
const runCommandsPath = (session: Session, location: string, commandId?: string) =>
  `/subscriptions/${encodeURIComponent(session.subscription)}/providers/Microsoft.Compute/locations/${encodeURIComponent(location)}/runCommands${commandId === undefined ? '' : `/${encodeURIComponent(commandId)}`}`;

/** A run command document as az prints the SDK's model. */
const asAzShows = ({ $schema, ...document }: Record<string, unknown>) => ({ schema: $schema, ...document });

export const runCommand: GroupSpec = {
  name: 'run-command',
  summary: 'Run scripts in a running VM, as root, through its agent.',
  commands: [
    {
      name: 'list',
      summary: "List a location's built-in run commands.",
      flags: [{ ...LOCATION, required: true, help: 'Location, a Kiln region such as westus.' }],
      examples: [{ title: 'The commands of westus.', command: 'kiln vm run-command list -l westus -o table' }],
      async run(ctx) {
        const session = await ctx.session();
        const commands = await session.client.list(
          runCommandsPath(session, ctx.args.required('location')),
          VM.apiVersion,
        );
        return (commands as Array<Record<string, unknown>>).map(asAzShows);
      },
    },
    {
      name: 'show',
      summary: 'Show a built-in run command: its script and parameters.',
      flags: [
        { ...LOCATION, required: true, help: 'Location, a Kiln region such as westus.' },
        { name: 'command-id', required: true, help: 'The command id.' },
      ],
      examples: [
        { title: 'The ifconfig command.', command: 'kiln vm run-command show -l westus --command-id ifconfig' },
      ],
      show: true,
      async run(ctx) {
        const session = await ctx.session();
        const path = runCommandsPath(session, ctx.args.required('location'), ctx.args.required('command-id'));
        const document = (await session.client.get(path, VM.apiVersion)) as Record<string, unknown>;
        return { ...asAzShows(document), parameters: document.parameters ?? null };
      },
    },
    {
      name: 'invoke',
      summary: 'Run a script or a built-in command in a running VM and print its output and error streams.',
      flags: [
        ...nameFlags(VM),
        {
          name: 'command-id',
          required: true,
          help: "The command id: RunShellScript, or ifconfig ('kiln vm run-command list -l LOCATION' lists them).",
        },
        {
          name: 'scripts',
          kind: 'list',
          help: "Space-separated script lines, run by sh (a built-in command's own when left out). Use @{file} to load the script from a file.",
        },
        {
          name: 'parameters',
          kind: 'list',
          help: "Space-separated parameters in the format of '[name=]value': every value an argument of the script, the named ones environment variables too.",
        },
      ],
      examples: [
        {
          title: 'Install nginx on a Linux VM.',
          command: `kiln vm run-command invoke ${invoke} "sudo apt-get update && sudo apt-get install -y nginx"`,
        },
        {
          title: 'Run a script with parameters, printing only its message.',
          command: `kiln vm run-command invoke ${invoke} 'echo $1 $2 $GREETING' --parameters hello world GREETING=hi --query "value[0].message" -o tsv`,
        },
        { title: 'Run a script file.', command: `kiln vm run-command invoke ${invoke} @setup.sh` },
      ],
      async run(ctx) {
        const scripts = ctx.args.list('scripts');
        const body = {
          commandId: ctx.args.required('command-id'),
          // Left out without --scripts, as az leaves it: the server says what the command needs.
          script: scripts && (await Promise.all(scripts.map(loadFilePrefixed))),
          parameters: parametersOf(ctx.args.list('parameters')),
        };
        const session = await ctx.session();
        const result = (await session.client.longRunning(
          'POST',
          `${vmPath(session, ctx.args)}/runCommand`,
          VM.apiVersion,
          {
            body,
            ...waiting(ctx),
          },
        )) as { value?: InstanceViewStatus[] };
        return {
          value: (result.value ?? []).map((status) => ({
            code: status.code ?? null,
            displayStatus: status.displayStatus ?? null,
            level: status.level ?? null,
            message: status.message ?? null,
            time: status.time ?? null,
          })),
        };
      },
    },
  ],
};

/** az's run_command_invoke: `name=value` split at the first `=`, a bare value named argN by its place among the bare ones. */
function parametersOf(list: string[] | undefined): Array<{ name: string; value: string }> {
  let unnamed = 0;
  return (list ?? []).map((parameter) => {
    const equals = parameter.indexOf('=');
    if (equals >= 0) return { name: parameter.slice(0, equals), value: parameter.slice(equals + 1) };
    return { name: `arg${++unnamed}`, value: parameter };
  });
}

/** az's `@file` argument: the file's text (`~` expanded) without its trailing newlines. */
async function loadFilePrefixed(value: string): Promise<string> {
  if (!value.startsWith('@')) return value;
  const path = value.slice(1).replace(/^~(?=\/|$)/, homedir());
  try {
    return (await readFile(path, 'utf8')).replace(/\n+$/, '');
  } catch (error) {
    throw new UsageError(`argument --scripts: cannot read '${path}': ${(error as Error).message}`);
  }
}
