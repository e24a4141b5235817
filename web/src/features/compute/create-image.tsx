/**
 * A managed image from a disk or a snapshot: its OS disk is a copy of the source's bytes
 * (`storageProfile.osDisk.managedDisk` or `.snapshot`), with the OS type, the OS state (Generalized
 * for an image VMs are made from many times) and the Hyper-V generation, which defaults to the source's.
 */
import { useState, type ReactNode } from 'react';
import { errorAt, SelectField, TextField } from '../../ui/field.tsx';
import { CreateForm, errorAtAny } from './create-form.tsx';
import { DISKS, IMAGES, OS_TYPES, SNAPSHOTS } from './model.ts';
import { usePlacement } from './placement.tsx';
import { SourceField, useSource } from './source-field.tsx';
import { useCreate } from './use-create.ts';

const OS_DISK = 'properties.storageProfile.osDisk';
const SOURCE_PATHS = [
  `${OS_DISK}.managedDisk.id`,
  `${OS_DISK}.managedDisk`,
  `${OS_DISK}.snapshot.id`,
  `${OS_DISK}.snapshot`,
  OS_DISK,
];
const SHOWN = [
  ...SOURCE_PATHS,
  `${OS_DISK}.osType`,
  `${OS_DISK}.osState`,
  `${OS_DISK}.diskSizeGB`,
  'properties.hyperVGeneration',
];

export function CreateImage(): ReactNode {
  const source = useSource(DISKS, SNAPSHOTS);
  const placement = usePlacement(IMAGES.type, source.near);
  const create = useCreate(IMAGES);
  const chosen = source.chosen;
  const [osType, setOsType] = useState('');
  const [osState, setOsState] = useState('Generalized');
  const [generation, setGeneration] = useState('');
  const [size, setSize] = useState('');
  const effectiveOs = osType || chosen?.properties.osType || 'Linux';
  const body = () => {
    const field = chosen?.type.toLowerCase() === SNAPSHOTS.type.toLowerCase() ? 'snapshot' : 'managedDisk';
    return {
      location: placement.target.location,
      properties: {
        ...(generation ? { hyperVGeneration: generation } : {}),
        storageProfile: {
          osDisk: {
            osType: effectiveOs,
            osState,
            [field]: { id: chosen?.id },
            diskSizeGB: size.trim() === '' ? chosen?.properties.diskSizeGB : Number(size),
          },
        },
      },
    };
  };
  return (
    <CreateForm
      kind={IMAGES}
      title="Create an image"
      placement={placement}
      create={create}
      body={body}
      shown={SHOWN}
      ready={Boolean(chosen)}
    >
      <SourceField source={source} label="Source disk or snapshot" error={errorAtAny(create.error, SOURCE_PATHS)} />
      <SelectField
        label="OS type"
        value={effectiveOs}
        onChange={(e) => setOsType(e.target.value)}
        options={OS_TYPES}
        error={errorAt(create.error, `${OS_DISK}.osType`)}
      />
      <SelectField
        label="OS state"
        value={osState}
        onChange={(e) => setOsState(e.target.value)}
        options={['Generalized', 'Specialized']}
        hint="Generalized: the machine-specific settings were removed (waagent -deprovision, sysprep)."
        error={errorAt(create.error, `${OS_DISK}.osState`)}
      />
      <SelectField
        label="Hyper-V generation"
        value={generation}
        onChange={(e) => setGeneration(e.target.value)}
        options={[['', `The source's (${chosen?.properties.hyperVGeneration ?? 'none set'})`], 'V1', 'V2']}
        error={errorAt(create.error, 'properties.hyperVGeneration')}
      />
      <TextField
        label="OS disk size (GiB)"
        type="number"
        inputMode="numeric"
        value={size}
        placeholder={chosen ? String(chosen.properties.diskSizeGB) : undefined}
        onChange={(e) => setSize(e.target.value)}
        hint="Leave empty for the source's size; VMs made from the image get disks this large."
        error={errorAt(create.error, `${OS_DISK}.diskSizeGB`)}
      />
    </CreateForm>
  );
}
