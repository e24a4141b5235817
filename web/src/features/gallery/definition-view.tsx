/**
 * An image definition's page: what was fixed at its creation, its versions (with `latest`) and the
 * form that creates one, and its updatable fields to edit, each where the role allows it.
 */
import type { ReactNode } from 'react';
import { usePermissions } from '../../hooks/use-permissions.ts';
import type { ResourceViewProps } from '../feature.ts';
import { CreateVersionForm } from './create-version-form.tsx';
import { DefinitionVersions } from './definition-versions.tsx';
import { EditDefinitionForm } from './edit-definition-form.tsx';
import { Facts } from '../../ui/facts.tsx';
import { shownDate } from './form-values.ts';
import { identifierText, type ImageDefinition } from './gallery-resources.ts';

export function DefinitionView(props: ResourceViewProps): ReactNode {
  const definition = props.resource as unknown as ImageDefinition;
  const p = definition.properties;
  // The forms wait for the caller's permissions: a Reader never sees them appear and vanish.
  const can = usePermissions(props.id);
  return (
    <>
      <Facts
        label="Definition details"
        facts={[
          ['Publisher / offer / SKU', identifierText(definition)],
          ['OS', `${p.osType}, ${p.osState}`],
          ['Hyper-V generation', p.hyperVGeneration ?? ''],
          ['Architecture', p.architecture ?? ''],
          ['Location', definition.location],
          ['End of life', shownDate(p.endOfLifeDate)],
        ]}
      />
      {p.description && <p>{p.description}</p>}
      <DefinitionVersions definitionId={props.id} />
      {can.settled && can('Microsoft.Compute/galleries/images/versions/write') && (
        <CreateVersionForm definition={definition} />
      )}
      {can.settled && can('Microsoft.Compute/galleries/images/write') && (
        // Keyed by what it shows, so a save (or a change elsewhere) starts it again from the server's values.
        <EditDefinitionForm key={JSON.stringify(p)} definition={definition} onSaved={props.reload} />
      )}
    </>
  );
}
