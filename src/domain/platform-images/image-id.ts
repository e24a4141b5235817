/**
 * Ids of platform images as ARM spells them, `/Subscriptions/{s}/Providers/Microsoft.Compute/Locations/{l}/
 * Publishers/{p}/ArtifactTypes/VMImage/Offers/{o}/Skus/{sku}/Versions/{v}`, and of their publishers,
 * offers and skus (the id cut after that name). Parsed without case, as ARM reads ids.
 */
import { parseResourceId, resourceTypeOf } from '../../core/resource-id.ts';

/** Where the catalog is looked at: a subscription's view of one location. */
export interface LocationRef {
  subscription: string;
  location: string;
}

export interface PublisherRef extends LocationRef {
  publisher: string;
}

export interface OfferRef extends PublisherRef {
  offer: string;
}

export interface SkuRef extends OfferRef {
  sku: string;
}

/** One platform image version; `latest` names the highest version of its sku. */
export interface PlatformImageRef extends SkuRef {
  version: string;
}

/** A platform image version's resource type, lower-cased as `resourceTypeOf` gives it. */
export const PLATFORM_IMAGE_VERSION_TYPE = 'microsoft.compute/locations/publishers/artifacttypes/offers/skus/versions';

/** The id of the publisher, offer, sku or version `ref` names, down to its last name given. */
export function platformImageId(ref: LocationRef & Partial<PlatformImageRef>): string {
  const parts = [
    ['Subscriptions', ref.subscription],
    ['Providers', 'Microsoft.Compute'],
    ['Locations', ref.location],
    ['Publishers', ref.publisher],
    ['ArtifactTypes', ref.offer === undefined ? undefined : 'VMImage'],
    ['Offers', ref.offer],
    ['Skus', ref.sku],
    ['Versions', ref.version],
  ];
  const given = parts.findIndex(([, name]) => name === undefined);
  return (given < 0 ? parts : parts.slice(0, given)).map(([segment, name]) => `/${segment}/${name}`).join('');
}

/** The version a platform image version id names, or undefined when `raw` is not one. */
export function parsePlatformImageId(raw: string): PlatformImageRef | undefined {
  const id = parseResourceId(raw);
  if (!id || id.resourceGroup !== undefined || resourceTypeOf(id) !== PLATFORM_IMAGE_VERSION_TYPE) return undefined;
  const [[, location], [, publisher], [, artifactType], [, offer], [, sku], [, version]] = id.types;
  if (artifactType.toLowerCase() !== 'vmimage') return undefined;
  return { subscription: id.subscription, location, publisher, offer, sku, version };
}
