/**
 * Runs one Azure-CLI-style command line: finds the command in the tree, parses its flags, runs it,
 * prints its result (-o, --query) and sets the exit code as az does: 0 done, 1 failed, 2 usage
 * error, 3 a show command's resource is missing (or a child's own: `vm ssh` ends with OpenSSH's).
 * Errors print `ERROR: (Code) Message`.
 */
import { ArmError } from '../../core/arm-error.ts';
import { GLOBAL_FLAGS, NO_WAIT, parseFlags, UsageError, type Flag } from './args.ts';
import { ExitStatus, type CommandSpec, type Context, type GroupSpec } from './command.ts';
import { commandHelp, groupHelp } from './help.ts';
import { applyQuery, azView, render, type OutputFormat } from './output.ts';
import { Progress } from './progress.ts';
import { openSession, type Session } from './session.ts';

const isHelp = (token: string | undefined) => token === '-h' || token === '--help';

export async function runTree(root: GroupSpec, argv: string[]): Promise<void> {
  const path = [root.name];
  let group = root;
  let i = 0;
  for (let sub: GroupSpec | undefined; (sub = group.groups?.find((g) => g.name === argv[i])); i++) {
    group = sub;
    path.push(sub.name);
  }
  const command = group.commands.find((c) => c.name === argv[i]);
  if (!command) {
    if (argv[i] === undefined || isHelp(argv[i])) return void process.stdout.write(groupHelp(path, group));
    process.stderr.write(
      `ERROR: '${argv[i]}' is misspelled or not recognized by the system.\n\n${groupHelp(path, group)}`,
    );
    process.exitCode = 2;
    return;
  }
  path.push(command.name);
  const rest = argv.slice(i + 1);
  // A command that takes trailing arguments gets what follows `--` as they are (`vm ssh ... -- df -h`).
  const dash = command.trailing ? rest.indexOf('--') : -1;
  const own = dash < 0 ? rest : rest.slice(0, dash);
  if (own.some(isHelp)) return void process.stdout.write(commandHelp(path, command));
  process.exitCode = await execute(path, command, own, dash < 0 ? [] : rest.slice(dash + 1));
}

async function execute(path: string[], command: CommandSpec, argv: string[], trailing: string[]): Promise<number> {
  const progress = new Progress();
  let opened: Promise<Session> | undefined;
  try {
    const args = parseFlags(argv, allFlags(command));
    const ctx: Context = {
      args,
      progress,
      noWait: args.bool('no-wait') === true,
      session: () => (opened ??= openSession(args.string('subscription'))),
      write: (text) => void process.stdout.write(text),
      trailing,
    };
    const result = await command.run(ctx);
    progress.end();
    const query = args.string('query');
    process.stdout.write(
      render(applyQuery(azView(result, command.nested), query), args.string('output') as OutputFormat, {
        queryActive: query !== undefined,
        table: command.table,
      }),
    );
    return 0;
  } catch (error) {
    progress.end();
    return report(path, command, error as Error);
  } finally {
    (await opened?.catch(() => undefined))?.http.close();
  }
}

/** The command's flags, --no-wait, and the global flags it does not define itself (account set's --subscription). */
export function allFlags(command: CommandSpec): Flag[] {
  const own = [...command.flags, ...(command.longRunning ? [NO_WAIT] : [])];
  return [...own, ...GLOBAL_FLAGS.filter((g) => !own.some((f) => f.name === g.name))];
}

function report(path: string[], command: CommandSpec, error: Error): number {
  if (error instanceof ExitStatus) return error.status;
  if (error instanceof UsageError) {
    process.stderr.write(`ERROR: ${error.message}\n\nTry '${path.join(' ')} --help' for more information.\n`);
    return 2;
  }
  if (error instanceof ArmError) {
    process.stderr.write(`${armErrorText(error)}\n`);
    return command.show && error.status === 404 ? 3 : 1;
  }
  process.stderr.write(`ERROR: ${error.message}\n`);
  return 1;
}

/** The layout of az (azure-core's HttpResponseError): the code and message, then each detail. */
function armErrorText(error: ArmError): string {
  const lines = [`ERROR: (${error.code}) ${error.message}`, `Code: ${error.code}`, `Message: ${error.message}`];
  if (error.target) lines.push(`Target: ${error.target}`);
  if (error.details.length) {
    lines.push('Exception Details:');
    for (const detail of error.details) {
      lines.push(`\t(${detail.code}) ${detail.message}`, `\tCode: ${detail.code}`, `\tMessage: ${detail.message}`);
      if (detail.target) lines.push(`\tTarget: ${detail.target}`);
    }
  }
  return lines.join('\n');
}
