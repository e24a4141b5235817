/**
 * A template's `optimize`: Azure's VM boot optimization (`vmBoot`), which prepares a gallery image so
 * that VMs made from it are created sooner, and workload optimization (`workload`: a script Azure runs
 * on the image for a workload). Both are kept and returned as given. Boot optimization changes how
 * soon a VM is ready, not what the image holds, and Kiln's VMs boot its images as they are: Enabled is
 * accepted and the run's log says that nothing was done for it. A workload optimization changes the
 * image, so a build that skipped it would distribute an image the template says is optimized: Enabled
 * is refused (give the script as a Shell customizer instead).
 */
import type { Problems } from '../../core/arm-error.ts';
import { enumValue, isObject } from '../shared/validate.ts';
import { checkChecksum, checkUri } from './template-fields.ts';

type State = 'Enabled' | 'Disabled';

export interface Optimize {
  vmBoot?: { state?: State };
  workload?: { state?: State; scriptUri?: string; sha256Checksum?: string };
}

const AT = 'properties.optimize';
const STATES = ['Enabled', 'Disabled'] as const;

export function checkOptimize(raw: unknown, problems: Problems): Optimize | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) {
    problems.add(AT, `'${AT}' must be an object.`);
    return undefined;
  }
  const optimize: Optimize = {};
  if (isObject(raw.vmBoot)) {
    const state = enumValue(raw.vmBoot.state, STATES, `${AT}.vmBoot.state`, problems);
    optimize.vmBoot = state ? { state } : {};
  }
  if (isObject(raw.workload)) {
    const at = `${AT}.workload`;
    const state = enumValue(raw.workload.state, STATES, `${at}.state`, problems);
    if (state === 'Enabled')
      problems.add(
        `${at}.state`,
        `Kiln runs no workload optimization, and an image built without it would claim it; run the optimization script as a Shell customizer instead.`,
        'PropertyNotSupported',
      );
    const scriptUri = checkUri(raw.workload.scriptUri, `${at}.scriptUri`, problems);
    const sha256Checksum = checkChecksum(raw.workload.sha256Checksum, `${at}.sha256Checksum`, problems);
    optimize.workload = {
      ...(state ? { state } : {}),
      ...(scriptUri ? { scriptUri } : {}),
      ...(sha256Checksum ? { sha256Checksum } : {}),
    };
  }
  return optimize;
}

/** What the run's log says of the template's optimization, when it asks for some. */
export function optimizeNote(optimize: Optimize | undefined): string | undefined {
  return optimize?.vmBoot?.state === 'Enabled'
    ? 'optimize.vmBoot Enabled: nothing to do in Kiln, whose VMs boot its images as they are; the image is distributed as built'
    : undefined;
}
