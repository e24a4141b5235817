/** Microsoft.Compute/galleries: a container of image definitions in one region. */
import { ArmError } from '../../core/arm-error.ts';
import type { ArmResource, ResourceRecord } from '../shared/arm-resource.ts';

export const GALLERY_KIND = 'microsoft.compute/galleries';

export interface Gallery extends ArmResource {
  location: string;
  properties: {
    description?: string;
    identifier: { uniqueName: string };
    provisioningState: 'Succeeded' | 'Deleting';
  };
}

export type GalleryRecord = ResourceRecord<Gallery, Record<string, never>>;

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
