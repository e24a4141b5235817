/**
 * An empty managed disk (createOption Empty): its size in GiB and storage SKU, and optionally the OS
 * and Hyper-V generation it will hold. Ranges are the server's to check, so what it refuses shows
 * under the field it names.
 */
import { useState, type ReactNode } from 'react';
import { errorAt, SelectField, TextField } from '../../ui/field.tsx';
import { CreateForm } from './create-form.tsx';
import { DISK_SKUS, DISKS, OS_TYPES } from './model.ts';
import { usePlacement } from './placement.tsx';
import { useCreate } from './use-create.ts';

const SHOWN = ['properties.diskSizeGB', 'sku.name', 'properties.osType', 'properties.hyperVGeneration'];

export function CreateDisk(): ReactNode {
  const placement = usePlacement(DISKS.type);
  const create = useCreate(DISKS);
  const [size, setSize] = useState('4');
  const [sku, setSku] = useState<string>('Standard_LRS');
  const [osType, setOsType] = useState('');
  const [generation, setGeneration] = useState('');
  const body = () => ({
    location: placement.target.location,
    sku: { name: sku },
    properties: {
      creationData: { createOption: 'Empty' },
      ...(size.trim() === '' ? {} : { diskSizeGB: Number(size) }),
      ...(osType ? { osType } : {}),
      ...(generation ? { hyperVGeneration: generation } : {}),
    },
  });
  return (
    <CreateForm
      kind={DISKS}
      title="Create an empty disk"
      placement={placement}
      create={create}
      body={body}
      shown={SHOWN}
    >
      <TextField
        label="Size (GiB)"
        type="number"
        inputMode="numeric"
        value={size}
        onChange={(e) => setSize(e.target.value)}
        hint="From 1 to 32,767 GiB."
        error={errorAt(create.error, 'properties.diskSizeGB')}
      />
      <SelectField
        label="SKU"
        value={sku}
        onChange={(e) => setSku(e.target.value)}
        options={DISK_SKUS}
        error={errorAt(create.error, 'sku.name')}
      />
      <SelectField
        label="OS type"
        value={osType}
        onChange={(e) => setOsType(e.target.value)}
        options={[['', 'None (a data disk)'], ...OS_TYPES]}
        error={errorAt(create.error, 'properties.osType')}
      />
      <SelectField
        label="Hyper-V generation"
        value={generation}
        onChange={(e) => setGeneration(e.target.value)}
        options={[['', 'Not set'], 'V1', 'V2']}
        error={errorAt(create.error, 'properties.hyperVGeneration')}
      />
    </CreateForm>
  );
}
