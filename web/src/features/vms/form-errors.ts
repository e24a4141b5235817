/**
 * A form field's share of a refused request: every error the server names at one of the field's JSON
 * paths or below it (`properties.osProfile.linuxConfiguration.ssh.publicKeys` holds `...publicKeys[0].keyData`),
 * as one line, with the paths it took, so FormError says only the rest.
 */
import { ArmRequestError } from '../../arm/errors.ts';

export function errorsUnder(error: unknown, paths: readonly string[]): { message?: string; targets: string[] } {
  if (!(error instanceof ArmRequestError)) return { targets: [] };
  const roots = paths.map((path) => path.toLowerCase());
  const found = error.fieldErrors().filter((e) => {
    const target = e.target!.toLowerCase();
    return roots.some((root) => target === root || target.startsWith(`${root}.`) || target.startsWith(`${root}[`));
  });
  return {
    message: found.length ? [...new Set(found.map((e) => `${e.code}: ${e.message}`))].join(' ') : undefined,
    targets: found.map((e) => e.target!),
  };
}
