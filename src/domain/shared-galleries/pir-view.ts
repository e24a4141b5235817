/**
 * A gallery's image definitions and versions as the sharing views show them (Azure's
 * PirSharedGalleryResource and PirCommunityGalleryResource): named, located in the region asked
 * about, identified by a `uniqueId` under the gallery's shared or public name, and with only what a
 * consumer needs (no ids, no sources, no replication details of the publisher's subscription).
 */
import { isExcludedFromLatest } from '../gallery-image-versions/latest.ts';
import type { GalleryImageVersionRecord } from '../gallery-image-versions/gallery-image-version.ts';
import type { GalleryImageRecord } from '../gallery-images/gallery-image.ts';

/** How one view names what it shows: `/SharedGalleries/{uniqueName}` or `/CommunityGalleries/{publicName}`, and the type it gives each level (community only). */
export interface Publication {
  root: string;
  region: string;
  types?: { image: string; version: string };
}

export function pirImage({ data }: GalleryImageRecord, at: Publication) {
  const { identifier, osType, osState, hyperVGeneration, architecture, features, recommended, disallowed } =
    data.resource.properties;
  const { purchasePlan, endOfLifeDate, eula, privacyStatementUri } = data.resource.properties;
  return {
    name: data.resource.name,
    location: at.region,
    ...(at.types ? { type: at.types.image } : {}),
    identifier: { uniqueId: `${at.root}/Images/${data.resource.name}` },
    properties: {
      osType,
      osState,
      hyperVGeneration,
      architecture,
      identifier,
      ...{ features, recommended, disallowed, purchasePlan, endOfLifeDate, eula, privacyStatementUri },
      artifactTags: {},
    },
  };
}

export function pirVersion(version: GalleryImageVersionRecord, image: string, at: Publication) {
  const { publishingProfile, storageProfile } = version.data.resource.properties;
  const disk = (d: { sizeInGB?: number; hostCaching: string }) => ({
    diskSizeGB: d.sizeInGB,
    hostCaching: d.hostCaching,
  });
  return {
    name: version.data.resource.name,
    location: at.region,
    ...(at.types ? { type: at.types.version } : {}),
    identifier: { uniqueId: `${at.root}/Images/${image}/Versions/${version.data.resource.name}` },
    properties: {
      publishedDate: publishingProfile.publishedDate,
      ...(publishingProfile.endOfLifeDate ? { endOfLifeDate: publishingProfile.endOfLifeDate } : {}),
      excludeFromLatest: isExcludedFromLatest(version, at.region),
      storageProfile: {
        ...(storageProfile.osDiskImage ? { osDiskImage: disk(storageProfile.osDiskImage) } : {}),
        dataDiskImages: (storageProfile.dataDiskImages ?? []).map((d) => ({ lun: d.lun, ...disk(d) })),
      },
      artifactTags: {},
    },
  };
}
