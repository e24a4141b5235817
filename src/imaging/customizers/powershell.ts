/**
 * The PowerShell customizer on Linux images: PowerShell 7 (`pwsh`) run inside the image. Kiln does
 * not bring its own pwsh: scripts must see the image's modules and configuration, as on Azure.
 */
import { stat } from 'node:fs/promises';
import { imagePath, type RootFsState } from '../sandbox.ts';
import type { BuildStep } from '../step-runner.ts';
import { runCustomizerCommand } from './customizer-command.ts';
import type { CustomizerDeps } from './customizer-deps.ts';
import { withDownloadedScript } from './downloaded-script.ts';

export interface PowerShellCustomizer {
  type: 'PowerShell';
  name: string;
  inline?: string[];
  scriptUri?: string;
  sha256Checksum?: string;
  /** Exit codes that still count as success; `[0]` when absent. */
  validExitCodes?: number[];
}

/** Where Microsoft's packages install pwsh. */
const PWSH_PATHS = ['/usr/bin/pwsh', '/opt/microsoft/powershell/7/pwsh'];
const PWSH_FLAGS = ['-NoProfile', '-NonInteractive'];

export function powerShellStep(spec: PowerShellCustomizer, deps: CustomizerDeps = {}): BuildStep<RootFsState> {
  const label = `PowerShell customizer '${spec.name}'`;
  if ((spec.inline === undefined) === (spec.scriptUri === undefined))
    throw new Error(`${label} needs exactly one of inline and scriptUri.`);
  return {
    name: spec.name,
    async run({ rootfs }, ctx) {
      // Looked up when the step runs: an earlier customizer may have installed PowerShell.
      const pwsh = await findPwsh(rootfs);
      if (!pwsh) {
        throw new Error(
          `${label} needs pwsh inside the image (${PWSH_PATHS.join(' or ')}), and this image has none. ` +
            'Install PowerShell in an earlier Shell customizer, or start from an image that has it.',
        );
      }
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
        ctx.log.line(
          `${label}: running ${spec.inline.length} inline command(s) with ${pwsh} ${PWSH_FLAGS.join(' ')} -Command`,
        );
        return run([pwsh, ...PWSH_FLAGS, '-Command', spec.inline.join('\n')]);
      }
      const download = {
        label,
        scriptUri: spec.scriptUri!,
        sha256Checksum: spec.sha256Checksum,
        extension: 'ps1',
        fetch: deps.fetch,
      };
      await withDownloadedScript(rootfs, ctx, download, async (script) => {
        const command = [pwsh, ...PWSH_FLAGS, '-File', script];
        ctx.log.line(`${label}: running ${command.join(' ')}`);
        await run(command);
      });
    },
  };
}

async function findPwsh(rootfs: string): Promise<string | undefined> {
  for (const path of PWSH_PATHS) {
    try {
      if ((await stat(await imagePath(rootfs, path, { followLast: true }))).isFile()) return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return undefined;
}
