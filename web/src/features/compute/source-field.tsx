/**
 * The disk or snapshot a new snapshot or image is made from: picked from those the user sees, or
 * named by the page that sent them here (`?source=<id>`, "Create image from this"). The new
 * resource goes, unless the user says otherwise, where its source is.
 */
import { useState, type ReactNode } from 'react';
import { parseId } from '../../arm/ids.ts';
import { Link, usePath } from '../../router.tsx';
import { SelectField } from '../../ui/field.tsx';
import { Spinner } from '../../ui/spinner.tsx';
import { gib, groupOf, nounOf, type ComputeKind, type Disk } from './model.ts';
import type { Target } from './placement.tsx';
import { useComputeList } from './use-compute-list.ts';

export function useSource(...kinds: readonly ComputeKind[]) {
  const { query } = usePath();
  const sources = useComputeList<Disk>(...kinds);
  const [picked, setPicked] = useState(query.get('source') ?? '');
  const all = sources.data ?? [];
  const chosen = picked ? all.find((s) => s.id.toLowerCase() === picked.toLowerCase()) : all[0];
  const near: Partial<Target> = chosen
    ? { subscription: parseId(chosen.id).subscription, group: groupOf(chosen.id), location: chosen.location }
    : {};
  return { kinds, loading: sources.data === undefined, all, chosen, near, pick: setPicked };
}

export type Source = ReturnType<typeof useSource>;

export function SourceField(props: { source: Source; label: string; error?: string }): ReactNode {
  const { source } = props;
  if (source.loading) return <Spinner label="Loading the disks and snapshots…" />;
  if (source.all.length === 0)
    return (
      <p className="notice">
        There is nothing to make it from yet: <Link to="/disks/create">create a disk</Link> first.
      </p>
    );
  return (
    <SelectField
      label={props.label}
      value={source.chosen?.id ?? ''}
      onChange={(e) => source.pick(e.target.value)}
      options={[
        ...(source.chosen ? [] : [['', 'Choose one'] as [string, string]]),
        ...source.all.map((s) => [s.id, describe(s, source.kinds.length > 1)] as [string, string]),
      ]}
      error={props.error}
      hint={source.chosen && `${source.chosen.location}, ${gib(source.chosen.properties.diskSizeGB)}`}
    />
  );
}

const describe = (s: Disk, withType: boolean) => `${s.name}${withType ? ` (${nounOf(s.id)})` : ''} in ${groupOf(s.id)}`;
