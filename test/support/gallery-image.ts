/**
 * The body of a gallery image definition that a test needs only to exist (a place to put versions):
 * generalized Linux. Its identifier's SKU must differ between definitions of one gallery.
 */
import type { GalleryImage } from '@azure/arm-compute';

export function linuxDefinition(location: string, sku = 's'): GalleryImage {
  return { location, osType: 'Linux', osState: 'Generalized', identifier: { publisher: 'p', offer: 'o', sku } };
}
