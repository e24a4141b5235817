/**
 * Creates a version of an image definition: its number, its source, the regions it replicates to
 * with their replica counts, exclude from latest and end of life. The request returns once Kiln
 * has accepted it; the user is taken to the version's page, where its replication shows live.
 */
import { useState, type ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { parseId, resourcePath } from '../../arm/ids.ts';
import { navigate } from '../../router.tsx';
import { useSession } from '../../session/session-context.tsx';
import { errorAt, FormError, TextField } from '../../ui/field.tsx';
import { useFormSubmit } from '../../ui/form-submit.ts';
import { useToast } from '../../ui/toasts.tsx';
import { FormSection } from './form-section.tsx';
import { isoDateOrNull } from './form-values.ts';
import type { ImageDefinition, TargetRegion } from './gallery-resources.ts';
import { PUBLISHING_PATHS, PublishingFields, type PublishingDraft } from './publishing-fields.tsx';
import { TargetRegionsField, targetRegionPaths } from './target-regions-field.tsx';
import { SOURCE_PATHS, storageProfileOf, VersionSourceField, type VersionSource } from './version-source-field.tsx';

export function CreateVersionForm(props: { definition: ImageDefinition }): ReactNode {
  const { client } = useSession();
  const toast = useToast();
  const subscription = parseId(props.definition.id).subscription ?? '';
  const [name, setName] = useState('');
  const [source, setSource] = useState<VersionSource>({ kind: 'image', id: '' });
  const [regions, setRegions] = useState<TargetRegion[]>([
    { name: props.definition.location, regionalReplicaCount: 1 },
  ]);
  const [publishing, setPublishing] = useState<PublishingDraft>({ excludeFromLatest: false, endOfLife: '' });
  const { busy, error, submit } = useFormSubmit(async () => {
    const id = `${props.definition.id}/versions/${encodeURIComponent(name)}`;
    // Not followed to its end: replication takes a while, and the version's page shows it live.
    await client.send('PUT', id, API_VERSIONS.galleries, {
      location: props.definition.location,
      properties: {
        publishingProfile: {
          targetRegions: regions,
          excludeFromLatest: publishing.excludeFromLatest,
          ...(publishing.endOfLife ? { endOfLifeDate: isoDateOrNull(publishing.endOfLife) } : {}),
        },
        storageProfile: storageProfileOf(source),
      },
    });
    toast.success(`Version ${name} created: replicating to ${regions.length} region(s)`);
    navigate(resourcePath(id));
  });
  const shown = ['galleryImageVersionName', ...PUBLISHING_PATHS, ...SOURCE_PATHS, ...targetRegionPaths(regions)];
  return (
    <FormSection
      title="Create version"
      onSubmit={submit}
      submit={{ label: 'Create version', busyLabel: 'Creating…', busy, disabled: !name || !source.id }}
    >
      <TextField
        label="Version number"
        required
        placeholder="1.0.0"
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={errorAt(error, 'galleryImageVersionName')}
        hint="Major.Minor.Patch, each a whole number."
      />
      <VersionSourceField subscription={subscription} source={source} onChange={setSource} error={error} />
      <TargetRegionsField subscription={subscription} regions={regions} onChange={setRegions} error={error} />
      <PublishingFields value={publishing} onChange={setPublishing} error={error} />
      <FormError error={error} shown={shown} />
    </FormSection>
  );
}
