/**
 * What Kiln cannot build yet: Windows images. Azure accepts a template with a WindowsUpdate customizer
 * at PUT, and so does Kiln (customizer-kinds.ts); its run fails before any work, naming the customizer
 * and why. A Windows source fails the same way once the run looks it up (source.ts). The customizers
 * this lets through are the ones the build has runners for, so the type says what reaches the build.
 */
import { ArmError } from '../../../core/arm-error.ts';
import type { Customizer } from '../customizer-kinds.ts';

/** A customizer Kiln runs: any but those only a Windows guest can run. */
export type LinuxCustomizer = Exclude<Customizer, { type: 'WindowsUpdate' }>;

/** Why Kiln does not build a Windows image, as every such refusal ends. */
export const WINDOWS_NOT_BUILT =
  'Windows images are built in a VM running Windows (the VM build mode with a Windows guest), and Kiln does not build Windows images yet';

/** The template's customizers, or the 400 naming the first that needs Windows. */
export function linuxCustomizers(customize: readonly Customizer[]): LinuxCustomizer[] {
  const index = customize.findIndex((customizer) => customizer.type === 'WindowsUpdate');
  if (index >= 0)
    throw new ArmError(
      400,
      'UnsupportedCustomizerType',
      `The WindowsUpdate customizer '${customize[index].name}' installs Windows updates, so it needs a Windows image: ${WINDOWS_NOT_BUILT}. Remove it to build here, or build this template on Azure.`,
      `properties.customize[${index}].type`,
    );
  return customize.filter((customizer): customizer is LinuxCustomizer => customizer.type !== 'WindowsUpdate');
}

/** What `kiln validate` and a PUT's warnings say of a template that a run will refuse. */
export function windowsWarnings(customize: readonly Customizer[]): Array<{ target: string; message: string }> {
  return customize.flatMap((customizer, i) =>
    customizer.type === 'WindowsUpdate'
      ? [
          {
            target: `properties.customize[${i}].type`,
            message: `The WindowsUpdate customizer '${customizer.name}' is kept, but a run of this template fails: ${WINDOWS_NOT_BUILT}.`,
          },
        ]
      : [],
  );
}
