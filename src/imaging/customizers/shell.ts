/**
 * The Shell customizer: inline commands as one `/bin/sh -e -c` script, or a downloaded script run
 * by its own `#!` interpreter (else sh), as root in the image's sandbox.
 */
import { open } from 'node:fs/promises';
import { imagePath, type RootFsState } from '../sandbox.ts';
import type { BuildStep } from '../step-runner.ts';
import type { CustomizerDeps } from './customizer-deps.ts';
import { scriptStep, type ScriptKind } from './script-step.ts';

export interface ShellCustomizer {
  type: 'Shell';
  name: string;
  inline?: string[];
  scriptUri?: string;
  sha256Checksum?: string;
}

export function shellStep(spec: ShellCustomizer, deps: CustomizerDeps = {}): BuildStep<RootFsState> {
  const shell: ScriptKind = {
    label: `Shell customizer '${spec.name}'`,
    extension: 'sh',
    interpreter: async (rootfs) => ({
      inlineHow: 'as one /bin/sh -e -c script',
      inline: (lines) => ['/bin/sh', '-e', '-c', lines.join('\n')],
      script: (script) => scriptCommand(rootfs, script),
    }),
  };
  return scriptStep(spec, shell, deps);
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
