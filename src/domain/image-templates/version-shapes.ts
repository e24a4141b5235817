/**
 * Where the api-versions Kiln accepts for image templates differ in shape: up to 2022-02-14 a
 * SharedImage distributor names its regions in `replicationRegions` (region names, with one
 * `storageAccountType` for all); from 2022-07-01 in `targetRegions` (each with its replica count and
 * storage type, `replicationRegions` deprecated), beside `versioning`. Kiln stores the newer form
 * (validation turns `replicationRegions` into it) and shows each api-version its own, so a client of
 * 2022-02-14 (azure-cli 2.45) reads the template it wrote.
 */
import { isObject } from '../shared/validate.ts';
import type { Distributor, ImageTemplate, ImageTemplateProperties } from './image-template.ts';

const TARGET_REGIONS_SINCE = '2022-07-01';

type SharedImageDistributor = Extract<Distributor, { type: 'SharedImage' }>;

/** A SharedImage distributor as the api-versions up to 2022-02-14 have it. */
type OlderSharedImageDistributor = Omit<SharedImageDistributor, 'targetRegions' | 'versioning'> & {
  replicationRegions: string[];
};

/** A template as some api-version shows it. */
export type ShownTemplate = Pick<ImageTemplate, 'id' | 'name' | 'type' | 'location' | 'tags' | 'identity'> & {
  properties: Omit<ImageTemplateProperties, 'distribute'> & {
    distribute: Array<Distributor | OlderSharedImageDistributor>;
  };
};

/**
 * Whether the api-version's SharedImage distributor has `targetRegions`. Without one (`kiln
 * validate`, a local build), the newest shape. Versions are dates, so they compare as strings.
 */
export const hasTargetRegions = (apiVersion: string | undefined) => !apiVersion || apiVersion >= TARGET_REGIONS_SINCE;

/** The template as the api-version shows it. */
export function templateAt(template: ImageTemplate, apiVersion: string | undefined): ShownTemplate {
  if (hasTargetRegions(apiVersion)) return template;
  const distribute = template.properties.distribute.map((d): ShownTemplate['properties']['distribute'][number] => {
    if (d.type !== 'SharedImage') return d;
    const { targetRegions, versioning: _newer, ...older } = d;
    return { ...older, replicationRegions: targetRegions.map((r) => r.name) };
  });
  return { ...template, properties: { ...template.properties, distribute } };
}

/**
 * A PUT in the older shape cannot say what the newer one holds beyond the region names: where a
 * SharedImage distributor it gives as `replicationRegions` names the same regions as the stored one
 * of that runOutputName, the stored replica counts, storage types and versioning stay. So an older
 * client's GET and PUT back repeats the template rather than changing it (which immutability refuses).
 */
export function keepWhatOlderShapeOmits(
  distribute: Distributor[],
  body: Record<string, unknown>,
  stored: Distributor[],
): Distributor[] {
  const given =
    isObject(body.properties) && Array.isArray(body.properties.distribute) ? body.properties.distribute : [];
  return distribute.map((d, i) => {
    const entry: unknown = given[i];
    if (d.type !== 'SharedImage' || !isObject(entry) || entry.targetRegions !== undefined) return d;
    const before = stored.find((s) => s.runOutputName === d.runOutputName);
    if (before?.type !== 'SharedImage') return d;
    const names = (list: typeof d.targetRegions) => list.map((r) => r.name).join();
    if (names(before.targetRegions) !== names(d.targetRegions)) return d;
    return {
      ...d,
      targetRegions: before.targetRegions,
      ...(d.versioning || !before.versioning ? {} : { versioning: before.versioning }),
    };
  });
}
