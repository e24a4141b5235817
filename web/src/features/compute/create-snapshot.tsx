/** A snapshot of a managed disk (createOption Copy): a point-in-time copy of its bytes, in a storage SKU of its own. */
import { useState, type ReactNode } from 'react';
import { errorAt, SelectField } from '../../ui/field.tsx';
import { CreateForm } from './create-form.tsx';
import { DISKS, SNAPSHOT_SKUS, SNAPSHOTS } from './model.ts';
import { usePlacement } from './placement.tsx';
import { SourceField, useSource } from './source-field.tsx';
import { useCreate } from './use-create.ts';

const SOURCE_PATH = 'properties.creationData.sourceResourceId';
const SHOWN = [SOURCE_PATH, 'sku.name'];

export function CreateSnapshot(): ReactNode {
  const source = useSource(DISKS);
  const placement = usePlacement(SNAPSHOTS.type, source.near);
  const create = useCreate(SNAPSHOTS);
  const [sku, setSku] = useState('Standard_LRS');
  const body = () => ({
    location: placement.target.location,
    sku: { name: sku },
    properties: { creationData: { createOption: 'Copy', sourceResourceId: source.chosen?.id } },
  });
  return (
    <CreateForm
      kind={SNAPSHOTS}
      title="Create a snapshot"
      placement={placement}
      create={create}
      body={body}
      shown={SHOWN}
      ready={Boolean(source.chosen)}
    >
      <SourceField source={source} label="Source disk" error={errorAt(create.error, SOURCE_PATH)} />
      <SelectField
        label="SKU"
        value={sku}
        onChange={(e) => setSku(e.target.value)}
        options={SNAPSHOT_SKUS}
        error={errorAt(create.error, 'sku.name')}
      />
    </CreateForm>
  );
}
