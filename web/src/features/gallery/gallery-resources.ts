/**
 * The Azure Compute Gallery resources as the API returns them (api-version API_VERSIONS.galleries):
 * only the fields the gallery pages read.
 */

export interface Gallery {
  id: string;
  name: string;
  location: string;
  properties: { description?: string; provisioningState: string };
}

export interface ImageDefinition {
  id: string;
  name: string;
  location: string;
  properties: {
    identifier: { publisher: string; offer: string; sku: string };
    osType: string;
    osState: string;
    hyperVGeneration?: string;
    architecture?: string;
    description?: string;
    eula?: string;
    privacyStatementUri?: string;
    releaseNoteUri?: string;
    endOfLifeDate?: string;
    recommended?: { vCPUs?: Range; memory?: Range };
    disallowed?: { diskTypes?: string[] };
    provisioningState: string;
  };
}

export interface Range {
  min?: number;
  max?: number;
}

export interface TargetRegion {
  /** As Azure answers it, the region's display name (`West US`); a request may give its name (`westus`). */
  name: string;
  regionalReplicaCount: number;
  storageAccountType?: string;
  excludeFromLatest?: boolean;
}

export type ReplicationState = 'Unknown' | 'Replicating' | 'Completed' | 'Failed';

export interface RegionReplication {
  /** The region's display name (`West US`), as Azure names it here. */
  region: string;
  state: ReplicationState;
  progress: number;
  details?: string;
}

export interface ImageVersion {
  id: string;
  name: string;
  location: string;
  properties: {
    publishingProfile: {
      targetRegions: TargetRegion[];
      excludeFromLatest?: boolean;
      endOfLifeDate?: string;
      publishedDate?: string;
    };
    storageProfile: {
      source?: { id?: string; virtualMachineId?: string };
      osDiskImage?: { source?: { id?: string; uri?: string }; sizeInGB?: number };
    };
    safetyProfile?: { allowDeletionOfReplicatedLocations?: boolean };
    provisioningState: string;
    /** Present when read with `$expand=ReplicationStatus`. */
    replicationStatus?: { aggregatedState: string; summary: RegionReplication[] };
  };
}

/** `publisher / offer / sku`, as people read a definition's identifier. */
export const identifierText = (definition: ImageDefinition) => {
  const { publisher, offer, sku } = definition.properties.identifier;
  return `${publisher} / ${offer} / ${sku}`;
};
