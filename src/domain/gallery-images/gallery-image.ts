/** Microsoft.Compute/galleries/images: an image definition, the family its numbered versions belong to. */
import { ArmError } from '../../core/arm-error.ts';
import type { ArmResource, ResourceRecord } from '../shared/arm-resource.ts';

export const GALLERY_IMAGE_KIND = 'microsoft.compute/galleries/images';

export interface GalleryImageIdentifier {
  publisher: string;
  offer: string;
  sku: string;
}

export interface GalleryImageProperties {
  identifier: GalleryImageIdentifier;
  osType: 'Windows' | 'Linux';
  osState: 'Generalized' | 'Specialized';
  hyperVGeneration: 'V1' | 'V2';
  architecture: 'x64' | 'Arm64';
  /** `startsAtVersion`: the first version of the definition the feature holds for (api-version 2025-03-03). */
  features?: Array<{ name: string; value: string; startsAtVersion?: string }>;
  recommended?: { vCPUs?: { min?: number; max?: number }; memory?: { min?: number; max?: number } };
  disallowed?: { diskTypes?: string[] };
  purchasePlan?: { name: string; publisher: string; product: string };
  endOfLifeDate?: string;
  description?: string;
  eula?: string;
  privacyStatementUri?: string;
  releaseNoteUri?: string;
  provisioningState: 'Succeeded';
}

export interface GalleryImage extends ArmResource {
  location: string;
  properties: GalleryImageProperties;
}

export type GalleryImageRecord = ResourceRecord<GalleryImage, Record<string, never>>;

/** Fields that may change after creation; changing any other is refused (Azure freezes them). */
export const MUTABLE_FIELDS = [
  'recommended',
  'description',
  'endOfLifeDate',
  'eula',
  'privacyStatementUri',
  'releaseNoteUri',
  'disallowed',
  'features',
] as const;

/** Letters, digits, hyphens and periods (underscores too, as Azure accepts), starting and ending with a letter or digit, at most 80. */
export function checkGalleryImageName(name: string): void {
  if (name.length > 80 || !/^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/.test(name)) {
    throw new ArmError(
      400,
      'InvalidParameter',
      `The gallery image name '${name}' is invalid. It may contain only English letters, numbers, hyphens, underscores and periods, must start and end with a letter or number, and may be at most 80 characters long.`,
      'galleryImageName',
    );
  }
}
