/**
 * Running a customizer or an in-VM validator inside a booted VM through its communicator (the VM
 * build mode and the validate stage): Shell and PowerShell commands run as root, as they do in
 * place; `scriptUri` and File downloads are made on the host exactly as in place (download-into-image.ts:
 * verified, secrets redacted), into a staging folder that stands for the guest's file system, then
 * copied to the same path in the guest. A downloaded script is removed from the guest afterwards.
 * Output goes to the log under the step's name; a failure names it with its exit code and last lines.
 */
import { rm } from 'node:fs/promises';
import { posix } from 'node:path';
import type { GuestSession } from '../../ports/guest-communicator.ts';
import { CustomizerError } from '../customizers/customizer-command.ts';
import type { FileCustomizer } from '../customizers/file.ts';
import type { PowerShellCustomizer } from '../customizers/powershell.ts';
import type { ShellCustomizer } from '../customizers/shell.ts';
import { downloadIntoImage, type FetchLike } from '../customizers/download-into-image.ts';
import { imagePath } from '../sandbox.ts';
import type { StepContext } from '../step-runner.ts';

/** A Shell, PowerShell or File customizer or validator, as templates spell them. */
export type GuestTask = ShellCustomizer | PowerShellCustomizer | FileCustomizer;

export interface GuestTaskOptions {
  session: GuestSession;
  /** How errors and log lines name it: `Shell customizer 'x'`, `Shell validator 'y'`. */
  label: string;
  /** A host folder standing for the guest's root while a download is on its way. */
  staging: string;
  fetch?: FetchLike;
}

const ERROR_TAIL = 20;
const PWSH_FLAGS = ['-NoProfile', '-NonInteractive'];

export async function runGuestTask(task: GuestTask, options: GuestTaskOptions, ctx: StepContext): Promise<void> {
  const { label, session } = options;
  const exec = (argv: string[], validExitCodes = [0]) =>
    runLogged(session, label, task.name, argv, validExitCodes, ctx);
  const download = async (source: string, destination: string, sha256?: string) => {
    await downloadIntoImage(label, source, options.staging, destination, ctx, { sha256, fetch: options.fetch });
    const host = await imagePath(options.staging, destination);
    try {
      await session.upload(host, destination, { mode: 0o755, signal: ctx.signal });
    } finally {
      await rm(host, { force: true });
    }
  };
  if (task.type === 'File') return download(task.sourceUri, posix.normalize(task.destination), task.sha256Checksum);
  const interpreter = task.type === 'Shell' ? ['/bin/sh'] : [await findPwsh(session, label, ctx), ...PWSH_FLAGS];
  const valid = task.type === 'PowerShell' ? task.validExitCodes : undefined;
  if (task.inline) {
    const how = task.type === 'Shell' ? ['-e', '-c'] : ['-Command'];
    ctx.log.line(`${label}: running ${task.inline.length} inline command(s) in the VM with ${interpreter[0]}`);
    return exec([...interpreter, ...how, task.inline.join('\n')], valid);
  }
  const script = `/tmp/kiln-script-${Date.now().toString(36)}.${task.type === 'Shell' ? 'sh' : 'ps1'}`;
  await download(task.scriptUri!, script, task.sha256Checksum);
  try {
    // A script with its own `#!` runs with it, as under Packer; `sh` reads the line as a comment otherwise.
    const argv =
      task.type === 'Shell'
        ? ['/bin/sh', '-c', 'case "$(head -c2 "$1")" in "#!") exec "$1";; *) exec /bin/sh "$1";; esac', 'sh', script]
        : [...interpreter, '-File', script];
    ctx.log.line(`${label}: running the downloaded script ${script} in the VM`);
    await exec(argv, valid);
  } finally {
    await session.run(['rm', '-f', script], { output: () => {}, signal: AbortSignal.timeout(30_000) }).catch(() => {});
  }
}

async function runLogged(
  session: GuestSession,
  label: string,
  name: string,
  argv: string[],
  validExitCodes: number[],
  ctx: StepContext,
): Promise<void> {
  const output = ctx.log.stream(name);
  let exitCode: number;
  try {
    exitCode = await session.run(argv, { output: output.line, signal: ctx.signal });
  } catch (error) {
    throw new Error(`${label}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    output.end();
  }
  ctx.log.line(`${label}: exit code ${exitCode}`);
  if (!validExitCodes.includes(exitCode)) throw new CustomizerError(label, name, exitCode, output.tail(ERROR_TAIL));
}

/** pwsh as the guest's PATH finds it: an earlier step may have installed it. */
async function findPwsh(session: GuestSession, label: string, ctx: StepContext): Promise<string> {
  const found: string[] = [];
  const code = await session.run(['sh', '-c', 'command -v pwsh'], {
    output: (line) => found.push(line),
    signal: ctx.signal,
  });
  if (code !== 0 || found.length === 0)
    throw new Error(
      `${label} needs pwsh inside the image, and this image has none. ` +
        'Install PowerShell in an earlier Shell customizer, or start from an image that has it.',
    );
  return found[0].trim();
}
