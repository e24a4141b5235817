/**
 * Running one command of a customizer (or generalize) in the image's sandbox: its output goes to the
 * log under the customizer's name, and a failure names the customizer, its exit code and the end of
 * its output, so the user sees why without opening the log.
 */
import type { ResourceLimits } from '../limits/resource-limits.ts';
import { runInSandbox } from '../sandbox.ts';
import type { StepContext } from '../step-runner.ts';

/** Lines of output an error message carries. */
const ERROR_TAIL = 20;

export class CustomizerError extends Error {
  constructor(
    label: string,
    readonly customizer: string,
    readonly exitCode: number,
    readonly lastLines: string[],
  ) {
    super(
      `${label} failed with exit code ${exitCode}.${lastLines.length > 0 ? ` Last lines of its output:\n${lastLines.join('\n')}` : ' It printed nothing.'}`,
    );
    this.name = 'CustomizerError';
  }
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
    ({ exitCode } = await runInSandbox(options.rootfs, options.command, {
      signal: ctx.signal,
      network: options.network,
      limits: options.limits,
      onOutput: output.line,
    }));
  } catch (error) {
    throw new Error(`${label}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    // Where the log's cap cut the output, its last lines still come before the result.
    output.end();
  }
  ctx.log.line(`${label}: exit code ${exitCode}`);
  if (!(options.validExitCodes ?? [0]).includes(exitCode))
    throw new CustomizerError(label, name, exitCode, output.tail(ERROR_TAIL));
}
