/**
 * The images a new VM in a location can boot, as the pickers offer them: the gallery image versions
 * the principal sees in every subscription that are replicated to the location (of Linux definitions,
 * the OS Kiln runs), the managed images in the location, and the platform catalog's publishers,
 * offers, skus and versions there (VirtualMachineImages, whose lists are bare arrays).
 */
import { API_VERSIONS } from '../../arm/api-versions.ts';
import type { ArmClient } from '../../arm/client.ts';
import { describeImage, sameRegion } from './vm-model.ts';

/** [value, text], as SelectField takes options. */
export type Option = [string, string];

interface Named {
  id: string;
  name: string;
  location: string;
}

interface Definition extends Named {
  properties: { osType?: string };
}

interface Version extends Named {
  properties: {
    provisioningState?: string;
    publishingProfile?: { targetRegions?: { name: string }[] };
  };
}

const galleriesIn = (subscription: string) => `/subscriptions/${subscription}/providers/Microsoft.Compute/galleries`;

/** Each version as `gallery/definition/version`. */
export async function galleryVersionOptions(
  client: ArmClient,
  subscriptions: readonly string[],
  location: string,
): Promise<Option[]> {
  const list = <T>(path: string) => client.list<T>(path, API_VERSIONS.galleries);
  const galleries = (await Promise.all(subscriptions.map((s) => list<Named>(galleriesIn(s))))).flat();
  const definitions = (await Promise.all(galleries.map((g) => list<Definition>(`${g.id}/images`))))
    .flat()
    .filter((d) => (d.properties.osType ?? 'Linux').toLowerCase() === 'linux');
  const versions = (await Promise.all(definitions.map((d) => list<Version>(`${d.id}/versions`)))).flat();
  return versions
    .filter((v) => v.properties.provisioningState === 'Succeeded' && replicatedTo(v, location))
    .map((v) => [v.id, describeImage({ id: v.id })]);
}

/** A version is in its own location and in each of its target regions. */
function replicatedTo(version: Version, location: string): boolean {
  const regions = version.properties.publishingProfile?.targetRegions?.map((r) => r.name) ?? [];
  return [version.location, ...regions].some((region) => sameRegion(region, location));
}

export async function managedImageOptions(
  client: ArmClient,
  subscriptions: readonly string[],
  location: string,
): Promise<Option[]> {
  const images = await Promise.all(
    subscriptions.map((s) =>
      client.list<Named>(`/subscriptions/${s}/providers/Microsoft.Compute/images`, API_VERSIONS.images),
    ),
  );
  return images
    .flat()
    .filter((image) => sameRegion(image.location, location))
    .map((image) => [image.id, `${image.name} (${image.id.split('/')[4]})`]);
}

export interface Urn {
  publisher: string;
  offer: string;
  sku: string;
  version: string;
}

/** The names one level down the platform catalog from `urn`'s filled part (publishers when none is). */
export async function platformNames(
  client: ArmClient,
  subscription: string,
  location: string,
  urn: Partial<Urn>,
): Promise<string[]> {
  let path = `/subscriptions/${subscription}/providers/Microsoft.Compute/locations/${location}/publishers`;
  if (urn.publisher) path += `/${encodeURIComponent(urn.publisher)}/artifacttypes/vmimage/offers`;
  if (urn.publisher && urn.offer) path += `/${encodeURIComponent(urn.offer)}/skus`;
  if (urn.publisher && urn.offer && urn.sku) path += `/${encodeURIComponent(urn.sku)}/versions`;
  const found = await client.get<{ name: string }[]>(path, API_VERSIONS.virtualMachines);
  return found.map((entry) => entry.name);
}
