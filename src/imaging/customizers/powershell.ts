/**
 * The PowerShell customizer on Linux images: PowerShell 7 (`pwsh`) run inside the image. Kiln does
 * not bring its own pwsh: scripts must see the image's modules and configuration, as on Azure.
 */
import { stat } from 'node:fs/promises';
import { imagePath, type RootFsState } from '../sandbox.ts';
import type { BuildStep } from '../step-runner.ts';
import type { CustomizerDeps } from './customizer-deps.ts';
import { scriptStep, type ScriptKind } from './script-step.ts';

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
  const powerShell: ScriptKind = {
    label,
    extension: 'ps1',
    async interpreter(rootfs) {
      const pwsh = await findPwsh(rootfs);
      if (!pwsh) {
        throw new Error(
          `${label} needs pwsh inside the image (${PWSH_PATHS.join(' or ')}), and this image has none. ` +
            'Install PowerShell in an earlier Shell customizer, or start from an image that has it.',
        );
      }
      return {
        inlineHow: `with ${pwsh} ${PWSH_FLAGS.join(' ')} -Command`,
        inline: (lines) => [pwsh, ...PWSH_FLAGS, '-Command', lines.join('\n')],
        script: async (script) => [pwsh, ...PWSH_FLAGS, '-File', script],
      };
    },
  };
  return scriptStep(spec, powerShell, deps);
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
