/**
 * Adds and removes a version's target regions and changes their replica counts, by PATCH of
 * `publishingProfile.targetRegions`. Kiln replicates what was added (the page follows it live) and
 * refuses a removal while `safetyProfile.allowDeletionOfReplicatedLocations` is false: the server's
 * error shows under the list, and the safety switch is here to change in the same request.
 */
import { useState, type ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { parseId } from '../../arm/ids.ts';
import { useSession } from '../../session/session-context.tsx';
import { errorAt, FormError } from '../../ui/field.tsx';
import { useFormSubmit } from '../../ui/form-submit.ts';
import { useToast } from '../../ui/toasts.tsx';
import { FormSection } from './form-section.tsx';
import type { ImageVersion, TargetRegion } from './gallery-resources.ts';
import { TargetRegionsField, targetRegionPaths } from './target-regions-field.tsx';

const ALLOW_DELETION_PATH = 'properties.safetyProfile.allowDeletionOfReplicatedLocations';

export function VersionRegionsForm(props: { version: ImageVersion; disabled: boolean; onSaved(): void }): ReactNode {
  const { client } = useSession();
  const toast = useToast();
  const { publishingProfile, safetyProfile } = props.version.properties;
  const [regions, setRegions] = useState<TargetRegion[]>(publishingProfile.targetRegions);
  // Azure's default is to allow it: only an explicit false keeps replicated regions.
  const [allowDeletion, setAllowDeletion] = useState(safetyProfile?.allowDeletionOfReplicatedLocations !== false);
  const { busy, error, submit } = useFormSubmit(async () => {
    // Not followed to its end: an added region replicates while this page shows its progress.
    await client.send('PATCH', props.version.id, API_VERSIONS.galleries, {
      properties: {
        publishingProfile: { targetRegions: regions },
        safetyProfile: { allowDeletionOfReplicatedLocations: allowDeletion },
      },
    });
    toast.success(`Target regions of version ${props.version.name} saved`);
    props.onSaved();
  });
  const allowError = errorAt(error, ALLOW_DELETION_PATH);
  return (
    <FormSection
      title="Target regions"
      onSubmit={submit}
      submit={{ label: 'Save target regions', busyLabel: 'Saving…', busy, disabled: props.disabled }}
    >
      <TargetRegionsField
        subscription={parseId(props.version.id).subscription ?? ''}
        regions={regions}
        onChange={setRegions}
        error={error}
      />
      <label className="checkbox">
        <input type="checkbox" checked={allowDeletion} onChange={(e) => setAllowDeletion(e.target.checked)} />
        Allow deletion of replicated regions
      </label>
      {allowError && <p className="field-error">{allowError}</p>}
      <FormError error={error} shown={[...targetRegionPaths(regions), ALLOW_DELETION_PATH]} />
    </FormSection>
  );
}
