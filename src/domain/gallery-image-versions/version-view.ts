/**
 * A version as Azure shows it: each target region by its display name (`West US 2`), as Azure's
 * answers name it (GalleryRP's GalleryImageVersion_Get example) whichever form the request used.
 * Kiln keeps the region's name (`westus2`) in the record, since it keys the region's store and
 * replication state; requests may give either, both read through `findRegion`.
 */
import type { SettingsContext } from '../context.ts';
import { regionDisplayName } from '../shared/scope.ts';
import type { GalleryImageVersion } from './gallery-image-version.ts';

export function versionView(ctx: SettingsContext, version: GalleryImageVersion): GalleryImageVersion {
  const { publishingProfile } = version.properties;
  const targetRegions = publishingProfile.targetRegions.map((t) => ({ ...t, name: regionDisplayName(ctx, t.name) }));
  return {
    ...version,
    properties: { ...version.properties, publishingProfile: { ...publishingProfile, targetRegions } },
  };
}
