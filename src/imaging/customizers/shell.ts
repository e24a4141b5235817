/**
 * The Shell customizer: inline commands as one `/bin/sh -e -c` script, or a downloaded script run
 * by its own `#!` interpreter (else sh), as root in the image's sandbox.
 */
import { open } from 'node:fs/promises';
import { imagePath, type RootFsState } from '../sandbox.ts';
import type { BuildStep } from '../step-runner.ts';
import { runCustomizerCommand } from './customizer-command.ts';
import type { CustomizerDeps } from './customizer-deps.ts';
import { withDownloadedScript } from './downloaded-script.ts';

export interface ShellCustomizer {
  type: 'Shell';
  name: string;
  inline?: string[];
  scriptUri?: string;
  sha256Checksum?: string;
}

export function shellStep(spec: ShellCustomizer, deps: CustomizerDeps = {}): BuildStep<RootFsState> {
  const label = `Shell customizer '${spec.name}'`;
  if ((spec.inline === undefined) === (spec.scriptUri === undefined))
    throw new Error(`${label} needs exactly one of inline and scriptUri.`);
  return {
    name: spec.name,
    async run({ rootfs }, ctx) {
      const run = (command: string[]) =>
        runCustomizerCommand({
          label,
          name: spec.name,
          rootfs,
          command,
          ctx,
          network: deps.network,
          limits: deps.limits,
        });
      if (spec.inline) {
        ctx.log.line(`${label}: running ${spec.inline.length} inline command(s) as one /bin/sh -e -c script`);
        return run(['/bin/sh', '-e', '-c', spec.inline.join('\n')]);
      }
      const download = {
        label,
        scriptUri: spec.scriptUri!,
        sha256Checksum: spec.sha256Checksum,
        extension: 'sh',
        fetch: deps.fetch,
      };
      await withDownloadedScript(rootfs, ctx, download, async (script) => {
        const command = await scriptCommand(rootfs, script);
        ctx.log.line(`${label}: running ${command.join(' ')}`);
        await run(command);
      });
    },
  };
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
