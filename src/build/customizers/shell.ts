/**
 * The Shell customizer, and what every script-running customizer shares: running a command in the
 * sandbox with its output in the log, and failing with an error that names the customizer, its exit
 * code and the end of its output, so the user sees why without opening the log.
 */
import { lstat, open, rm } from 'node:fs/promises';
import type { ResourceLimits } from '../limits/resource-limits.ts';
import { imagePath, type RootFsState, runInSandbox } from '../sandbox.ts';
import type { BuildStep, StepContext } from '../step-runner.ts';
import { type CustomizerDeps, downloadIntoImage } from './file.ts';

export interface ShellCustomizer {
  type: 'Shell';
  name: string;
  inline?: string[];
  scriptUri?: string;
  sha256Checksum?: string;
}

/** Lines of output an error message carries. */
const ERROR_TAIL = 20;

export class CustomizerError extends Error {
  constructor(
    label: string,
    readonly customizer: string,
    readonly exitCode: number,
    readonly lastLines: string[],
  ) {
    super(`${label} failed with exit code ${exitCode}.${lastLines.length > 0 ? ` Last lines of its output:\n${lastLines.join('\n')}` : ' It printed nothing.'}`);
    this.name = 'CustomizerError';
  }
}

export function shellStep(spec: ShellCustomizer, deps: CustomizerDeps = {}): BuildStep<RootFsState> {
  const label = `Shell customizer '${spec.name}'`;
  if ((spec.inline === undefined) === (spec.scriptUri === undefined)) throw new Error(`${label} needs exactly one of inline and scriptUri.`);
  return {
    name: spec.name,
    async run({ rootfs }, ctx) {
      const run = (command: string[]) => runCustomizerCommand({ label, name: spec.name, rootfs, command, ctx, network: deps.network, limits: deps.limits });
      if (spec.inline) {
        ctx.log.line(`${label}: running ${spec.inline.length} inline command(s) as one /bin/sh -e -c script`);
        return run(['/bin/sh', '-e', '-c', spec.inline.join('\n')]);
      }
      const script = await freeScriptPath(rootfs, 'sh');
      try {
        await downloadIntoImage(label, spec.scriptUri!, rootfs, script, ctx, { sha256: spec.sha256Checksum, fetch: deps.fetch });
        const command = await scriptCommand(rootfs, script);
        ctx.log.line(`${label}: running ${command.join(' ')}`);
        await run(command);
      } finally {
        await rm(await imagePath(rootfs, script), { force: true });
      }
    },
  };
}

/** Runs `command` in the sandbox, output to the log under `name`; throws unless the exit code is valid. */
export async function runCustomizerCommand(options: {
  label: string;
  name: string;
  rootfs: string;
  command: string[];
  ctx: StepContext;
  network?: boolean;
  limits?: ResourceLimits;
  validExitCodes?: number[];
}): Promise<void> {
  const { label, name, ctx } = options;
  const output = ctx.log.stream(name);
  let exitCode: number;
  try {
    ({ exitCode } = await runInSandbox(options.rootfs, options.command, { signal: ctx.signal, network: options.network, limits: options.limits, onOutput: output.line }));
  } catch (error) {
    throw new Error(`${label}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    // Where the log's cap cut the output, its last lines still come before the result.
    output.end();
  }
  ctx.log.line(`${label}: exit code ${exitCode}`);
  if (!(options.validExitCodes ?? [0]).includes(exitCode)) throw new CustomizerError(label, name, exitCode, output.tail(ERROR_TAIL));
}

/** `/tmp/kiln-script-<n>.<extension>` with the first `n` not taken, so a user's file is never overwritten. */
export async function freeScriptPath(rootfs: string, extension: string): Promise<string> {
  for (let n = 1; ; n++) {
    const path = `/tmp/kiln-script-${n}.${extension}`;
    try {
      await lstat(await imagePath(rootfs, path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return path;
      throw error;
    }
  }
}

/** A script with a `#!` line runs with its own interpreter (bash scripts are common), as under Packer; others with sh. */
async function scriptCommand(rootfs: string, script: string): Promise<string[]> {
  const file = await open(await imagePath(rootfs, script), 'r');
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(2), 0, 2, 0);
    if (bytesRead < 2 || buffer.toString('latin1') !== '#!') return ['/bin/sh', script];
    await file.chmod(0o755);
    return [script];
  } finally {
    await file.close();
  }
}
