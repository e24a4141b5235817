/**
 * The target regions of a version with their replica counts: add, remove, change. Each row's
 * server errors show at it (`properties.publishingProfile.targetRegions[1].name`), the list's own
 * (its home region missing, a removal the safety profile refuses) under the list. Rows keep the
 * fields they are not shown with (storage type, per-region exclude from latest) as they were. A
 * version names its regions as Azure does, by display name (`West US`), where the pickers use the
 * region's name (`westus`): the server takes either, and a row shows the region it names either way.
 */
import type { ReactNode } from 'react';
import { errorAt, SelectField, TextField } from '../../ui/field.tsx';
import { useLocations } from '../browse/locations.ts';
import type { TargetRegion } from './gallery-resources.ts';

export const TARGET_REGIONS_PATH = 'properties.publishingProfile.targetRegions';

/** The JSON paths these rows show errors for, for FormError to leave out. */
export const targetRegionPaths = (regions: readonly TargetRegion[]) => [
  TARGET_REGIONS_PATH,
  ...regions.flatMap((_, i) => [
    `${TARGET_REGIONS_PATH}[${i}].name`,
    `${TARGET_REGIONS_PATH}[${i}].regionalReplicaCount`,
  ]),
];

export function TargetRegionsField(props: {
  subscription: string;
  regions: readonly TargetRegion[];
  onChange(regions: TargetRegion[]): void;
  error: unknown;
}): ReactNode {
  const locations = useLocations(props.subscription).data ?? [];
  const { regions, onChange, error } = props;
  const replace = (index: number, change: Partial<TargetRegion>) =>
    onChange(regions.map((region, i) => (i === index ? { ...region, ...change } : region)));
  const nameOf = (region: string) =>
    locations.find((l) => l.name === region || l.displayName === region)?.name ?? region;
  const unused = locations.find((l) => !regions.some((r) => nameOf(r.name) === l.name));
  const listError = errorAt(error, TARGET_REGIONS_PATH);
  return (
    <fieldset className="target-regions">
      <legend>Regions and replica counts</legend>
      {regions.map((region, i) => (
        <div className="field-row" key={i}>
          <SelectField
            label={`Target region ${i + 1}`}
            value={nameOf(region.name)}
            onChange={(e) => replace(i, { name: e.target.value })}
            options={locations.map((l) => [l.name, l.displayName] as [string, string])}
            error={errorAt(error, `${TARGET_REGIONS_PATH}[${i}].name`)}
          />
          <TextField
            label={`Replicas in region ${i + 1}`}
            type="number"
            min={1}
            max={100}
            required
            value={String(region.regionalReplicaCount)}
            onChange={(e) => replace(i, { regionalReplicaCount: Number(e.target.value) })}
            error={errorAt(error, `${TARGET_REGIONS_PATH}[${i}].regionalReplicaCount`)}
          />
          <button
            type="button"
            className="secondary"
            aria-label={`Remove target region ${i + 1}`}
            disabled={regions.length === 1}
            onClick={() => onChange(regions.filter((_, j) => j !== i))}
          >
            Remove
          </button>
        </div>
      ))}
      <button
        type="button"
        className="secondary"
        disabled={!unused}
        onClick={() => unused && onChange([...regions, { name: unused.name, regionalReplicaCount: 1 }])}
      >
        Add target region
      </button>
      {listError && <p className="field-error">{listError}</p>}
    </fieldset>
  );
}
