/** Microsoft.Compute/galleries: a container of image definitions in one region. */
import { ArmError } from '../../core/arm-error.ts';
import type { ArmResource, ResourceRecord } from '../shared/arm-resource.ts';

export const GALLERY_KIND = 'microsoft.compute/galleries';

export const SHARING_PERMISSIONS = ['Private', 'Groups', 'Community'] as const;
export type SharingPermission = (typeof SHARING_PERMISSIONS)[number];

export const SHARING_GROUP_TYPES = ['Subscriptions', 'AADTenants'] as const;

/** Subscriptions or tenants the gallery is shared with (only the share action changes them). */
export interface SharingProfileGroup {
  type: (typeof SHARING_GROUP_TYPES)[number];
  ids: string[];
}

/** What a community gallery shows everyone; `communityGalleryEnabled` and `publicNames` come from the share action's EnableCommunity. */
export interface CommunityGalleryInfo {
  publisherUri: string;
  publisherContact: string;
  eula: string;
  publicNamePrefix: string;
  communityGalleryEnabled: boolean;
  publicNames?: string[];
}

export interface SharingProfile {
  permissions: SharingPermission;
  groups: SharingProfileGroup[];
  communityGalleryInfo?: CommunityGalleryInfo;
}

/** A user-assigned identity as the gallery shows it: the ids of the identity it names, read when assigned. */
export interface AssignedIdentity {
  principalId: string;
  clientId: string;
}

export interface Gallery extends ArmResource {
  location: string;
  identity?: {
    type: 'SystemAssigned' | 'UserAssigned' | 'SystemAssigned, UserAssigned';
    /** The system-assigned identity's principal (gallery-identity.ts), and its tenant. */
    principalId?: string;
    tenantId?: string;
    userAssignedIdentities?: Record<string, AssignedIdentity>;
  };
  properties: {
    description?: string;
    identifier: { uniqueName: string };
    sharingProfile?: SharingProfile;
    softDeletePolicy?: { isSoftDeleteEnabled: boolean };
    sharingStatus?: {
      aggregatedState: 'Succeeded';
      summary: Array<{ region: string; state: 'Succeeded'; details: string }>;
    };
    provisioningState: 'Succeeded' | 'Deleting';
  };
}

/** What only the server knows of a gallery: the appId of its system-assigned identity's principal. */
export interface GalleryInternal {
  systemAppId?: string;
}

export type GalleryRecord = ResourceRecord<Gallery, GalleryInternal>;

/** The name other subscriptions and tenants know a gallery by (`sharedGalleries/{galleryUniqueName}`). */
export const galleryUniqueName = (subscription: string, name: string) => `${subscription}-${name.toUpperCase()}`;

/** Letters, digits, periods and underscores, at most 80, not starting or ending with a period (or dash). */
export function checkGalleryName(name: string): void {
  if (name.length > 80 || !/^[A-Za-z0-9_.]+$/.test(name) || /^[.-]|[.-]$/.test(name)) {
    throw new ArmError(
      400,
      'InvalidGalleryName',
      `The gallery name '${name}' is invalid. It may contain only English letters, numbers, underscores and periods, may not start or end with a period, and may be at most 80 characters long.`,
      'galleryName',
    );
  }
}
