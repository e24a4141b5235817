/**
 * What the script customizers (Shell, PowerShell) share: a step that runs either its inline lines as
 * one command or one downloaded `scriptUri`, never both, as root in the image's sandbox. Each kind
 * says only how its interpreter runs the two forms; the download, its removal afterwards, the log
 * lines and the exit code check are the same for all of them.
 */
import type { RootFsState } from '../sandbox.ts';
import type { BuildStep } from '../step-runner.ts';
import { runCustomizerCommand } from './customizer-command.ts';
import type { CustomizerDeps } from './customizer-deps.ts';
import { withDownloadedScript } from './downloaded-script.ts';

/** The fields of a script customizer's spec that decide what runs. */
export interface ScriptSpec {
  name: string;
  inline?: string[];
  scriptUri?: string;
  sha256Checksum?: string;
  /** Exit codes that still count as success; `[0]` when absent. */
  validExitCodes?: number[];
}

/** How one kind's interpreter runs the two forms, found in the image when the step runs. */
export interface ScriptInterpreter {
  /** How inline lines run, for the log: `running N inline command(s) <inlineHow>`. */
  inlineHow: string;
  inline(lines: string[]): string[];
  /** The command that runs the downloaded script at `script` (a path inside the image). */
  script(script: string): Promise<string[]>;
}

export interface ScriptKind {
  /** How errors and log lines name the step, e.g. `Shell customizer 'name'`. */
  label: string;
  /** The downloaded script's file name extension, e.g. `sh`. */
  extension: string;
  /** Looked up when the step runs, not when it is made: an earlier customizer may have installed it. */
  interpreter(rootfs: string): Promise<ScriptInterpreter>;
}

export function scriptStep(spec: ScriptSpec, kind: ScriptKind, deps: CustomizerDeps): BuildStep<RootFsState> {
  const { label } = kind;
  if ((spec.inline === undefined) === (spec.scriptUri === undefined))
    throw new Error(`${label} needs exactly one of inline and scriptUri.`);
  return {
    name: spec.name,
    async run({ rootfs }, ctx) {
      const interpreter = await kind.interpreter(rootfs);
      const run = (command: string[]) =>
        runCustomizerCommand({
          label,
          name: spec.name,
          rootfs,
          command,
          ctx,
          network: deps.network,
          limits: deps.limits,
          validExitCodes: spec.validExitCodes,
        });
      if (spec.inline) {
        ctx.log.line(`${label}: running ${spec.inline.length} inline command(s) ${interpreter.inlineHow}`);
        return run(interpreter.inline(spec.inline));
      }
      const download = {
        label,
        scriptUri: spec.scriptUri!,
        sha256Checksum: spec.sha256Checksum,
        extension: kind.extension,
        fetch: deps.fetch,
      };
      await withDownloadedScript(rootfs, ctx, download, async (script) => {
        const command = await interpreter.script(script);
        ctx.log.line(`${label}: running ${command.join(' ')}`);
        await run(command);
      });
    },
  };
}
