/**
 * A Kiln resource as ARM's generic resource API shows it: `GenericResourceExpanded`, the fields every
 * resource has (id, name, type, location, tags, kind, sku, plan, managedBy, identity, extendedLocation)
 * and, asked for by `$expand`, its times and provisioning state. Which records those are is read off
 * the descriptors: the `tracked` types (domain/shared/resource-type.ts).
 */
import { parseResourceId } from '../../core/resource-id.ts';
import type { StoredRecord } from '../../ports/metadata-store.ts';
import { RESOURCE_TYPES } from '../resource-types.ts';
import type { ArmResource, ResourceData } from '../shared/arm-resource.ts';
import type { FilteredResource } from './resource-filter.ts';
import { resourceTimes } from './resource-times.ts';

/** The record kinds of the tracked types, lower-cased. */
export const TRACKED_KINDS: readonly string[] = [
  ...new Set(RESOURCE_TYPES.filter((t) => t.tracking === 'tracked').map((t) => t.type.toLowerCase())),
];

export const isTracked = (kind: string) => TRACKED_KINDS.includes(kind.toLowerCase());

export interface GenericResource {
  id: string;
  name: string;
  type: string;
  location?: string;
  tags?: Record<string, string>;
  [field: string]: unknown;
}

/** Top-level fields ARM's generic resource has besides id, name, type, location and tags, shown when the resource has them. */
const OWN_FIELDS = ['kind', 'managedBy', 'sku', 'plan', 'identity', 'extendedLocation'] as const;

/** `$expand` values ARM knows, lower-cased; others are ignored, as ARM does. */
export type Expand = ReadonlySet<string>;

export const parseExpand = (expand: string | undefined): Expand =>
  new Set((expand ?? '').split(',').map((e) => e.trim().toLowerCase()));

type Stored = StoredRecord<ResourceData<ArmResource, unknown>>;

/** A nested resource's generic name joins its names with `/`, as ARM shows `shelf/debian`. */
const genericName = (resource: ArmResource) =>
  parseResourceId(resource.id)
    ?.types.map(([, name]) => name)
    .join('/') ?? resource.name;

/** What a `$filter` tests of a stored resource. */
export function filteredView(record: Stored): FilteredResource {
  const { resource } = record.data;
  return {
    resourceType: resource.type,
    name: genericName(resource),
    location: resource.location ?? '',
    resourceGroup: parseResourceId(resource.id)?.resourceGroup ?? '',
    tags: resource.tags ?? {},
  };
}

export function genericResource(record: Stored, expand: Expand): GenericResource {
  const { resource } = record.data;
  const shown: GenericResource = { id: resource.id, name: genericName(resource), type: resource.type };
  for (const field of OWN_FIELDS) if (resource[field] !== undefined) shown[field] = resource[field];
  if (resource.location !== undefined) shown.location = resource.location;
  if (resource.tags !== undefined) shown.tags = resource.tags;
  const times = resourceTimes(record.data);
  if (expand.has('createdtime') && times?.createdTime) shown.createdTime = times.createdTime;
  if (expand.has('changedtime') && times) shown.changedTime = times.changedTime;
  if (expand.has('provisioningstate'))
    shown.provisioningState =
      (resource.properties as { provisioningState?: string } | undefined)?.provisioningState ?? 'Succeeded';
  return shown;
}
