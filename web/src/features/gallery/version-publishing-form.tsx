/** Changes a version's exclude from latest and end of life by PATCH of its publishing profile. */
import { useState, type ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { useSession } from '../../session/session-context.tsx';
import { FormError } from '../../ui/field.tsx';
import { useFormSubmit } from '../../ui/form-submit.ts';
import { useToast } from '../../ui/toasts.tsx';
import { FormSection } from './form-section.tsx';
import { dateInputValue, isoDateOrNull } from './form-values.ts';
import type { ImageVersion } from './gallery-resources.ts';
import { PUBLISHING_PATHS, PublishingFields, type PublishingDraft } from './publishing-fields.tsx';

export function VersionPublishingForm(props: { version: ImageVersion; disabled: boolean; onSaved(): void }): ReactNode {
  const { client } = useSession();
  const toast = useToast();
  const profile = props.version.properties.publishingProfile;
  const [draft, setDraft] = useState<PublishingDraft>({
    excludeFromLatest: Boolean(profile.excludeFromLatest),
    endOfLife: dateInputValue(profile.endOfLifeDate),
  });
  const { busy, error, submit } = useFormSubmit(async () => {
    await client.change('PATCH', props.version.id, API_VERSIONS.galleries, {
      properties: {
        publishingProfile: {
          excludeFromLatest: draft.excludeFromLatest,
          endOfLifeDate: isoDateOrNull(draft.endOfLife),
        },
      },
    });
    toast.success(`Version ${props.version.name} saved`);
    props.onSaved();
  });
  return (
    <FormSection
      title="Publishing"
      onSubmit={submit}
      submit={{ label: 'Save publishing', busyLabel: 'Saving…', busy, disabled: props.disabled }}
    >
      <PublishingFields value={draft} onChange={setDraft} error={error} />
      <FormError error={error} shown={PUBLISHING_PATHS} />
    </FormSection>
  );
}
