/**
 * Where a new version's OS disk comes from: a managed image, a snapshot or a managed disk of the
 * subscription, picked from its list. A managed image is sent as `storageProfile.source.id`, a
 * snapshot or disk as `storageProfile.osDiskImage.source.id`, as Azure takes them.
 */
import type { ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { parseId } from '../../arm/ids.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { useSession } from '../../session/session-context.tsx';
import { errorAt, SelectField } from '../../ui/field.tsx';

export const SOURCE_KINDS = {
  image: { label: 'Managed image', type: 'Microsoft.Compute/images', apiVersion: API_VERSIONS.images },
  snapshot: { label: 'Snapshot', type: 'Microsoft.Compute/snapshots', apiVersion: API_VERSIONS.disks },
  disk: { label: 'Managed disk', type: 'Microsoft.Compute/disks', apiVersion: API_VERSIONS.disks },
} as const;

export type SourceKind = keyof typeof SOURCE_KINDS;

export interface VersionSource {
  kind: SourceKind;
  id: string;
}

const SP = 'properties.storageProfile';
/** Where the server names a bad source: the profile as a whole, or the source field it read. */
export const SOURCE_PATHS = [SP, `${SP}.source`, `${SP}.source.id`, `${SP}.osDiskImage.source`];

/** The storage profile a version body takes for `source`. */
export const storageProfileOf = (source: VersionSource) =>
  source.kind === 'image' ? { source: { id: source.id } } : { osDiskImage: { source: { id: source.id } } };

interface Candidate {
  id: string;
  name: string;
  location: string;
}

export function VersionSourceField(props: {
  subscription: string;
  source: VersionSource;
  onChange(source: VersionSource): void;
  error: unknown;
}): ReactNode {
  const { client } = useSession();
  const { kind, id } = props.source;
  const candidates = useLoad(
    () =>
      client.list<Candidate>(
        `/subscriptions/${props.subscription}/providers/${SOURCE_KINDS[kind].type}`,
        SOURCE_KINDS[kind].apiVersion,
      ),
    [client, props.subscription, kind],
  );
  const rows = candidates.data ?? [];
  const chosen = rows.some((c) => c.id === id) ? id : '';
  const label = SOURCE_KINDS[kind].label.toLowerCase();
  return (
    <div className="field-row">
      <SelectField
        label="Source type"
        value={kind}
        onChange={(e) => props.onChange({ kind: e.target.value as SourceKind, id: '' })}
        options={Object.entries(SOURCE_KINDS).map(([value, k]) => [value, k.label] as [string, string])}
      />
      <SelectField
        label="Source"
        value={chosen}
        onChange={(e) => props.onChange({ kind, id: e.target.value })}
        options={[
          ['', candidates.loading ? 'Loading…' : `Choose a ${label}`],
          ...rows.map((c) => [c.id, `${c.name} (${parseId(c.id).resourceGroup}, ${c.location})`] as [string, string]),
        ]}
        error={SOURCE_PATHS.map((path) => errorAt(props.error, path)).find(Boolean)}
        hint={candidates.data && rows.length === 0 ? `This subscription has no ${label}: make one first.` : undefined}
      />
    </div>
  );
}
