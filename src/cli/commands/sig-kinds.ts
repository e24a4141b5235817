/** The three levels of an Azure Compute Gallery, named by az's flags: -r gallery, -i definition, -e version. */
import { API_VERSIONS } from '../arm/api-versions.ts';
import type { Args } from '../arm/args.ts';
import { locationOf, resourceId, type ResourceKind, type Segment } from '../arm/resources.ts';
import type { Session } from '../arm/session.ts';

const gallery: Segment = {
  collection: 'galleries',
  flag: { name: 'gallery-name', short: 'r', help: 'Gallery name.' },
  example: 'MyGallery',
};
const definition: Segment = {
  collection: 'images',
  flag: { name: 'gallery-image-definition', short: 'i', help: 'Gallery image definition.' },
  example: 'MyImage',
};
const version: Segment = {
  collection: 'versions',
  flag: {
    name: 'gallery-image-version',
    short: 'e',
    help: 'Gallery image version in semantic version pattern (major.minor.patch).',
  },
  example: '1.0.0',
};

const common = { provider: 'Microsoft.Compute', apiVersion: API_VERSIONS.galleries };

export const GALLERY: ResourceKind = { ...common, command: 'sig', noun: 'gallery', segments: [gallery] };
export const DEFINITION: ResourceKind = {
  ...common,
  command: 'sig image-definition',
  noun: 'gallery image definition',
  segments: [gallery, definition],
};
export const VERSION: ResourceKind = {
  ...common,
  command: 'sig image-version',
  noun: 'gallery image version',
  segments: [gallery, definition, version],
};

/** Definitions and versions go, without -l, where their gallery is. */
export const GALLERY_LOCATION = {
  help: "Location. Default: the gallery's.",
  of(session: Session, args: Args): Promise<string> {
    const gallery = resourceId(GALLERY, session.subscription, args.required('resource-group'), [
      args.required('gallery-name'),
    ]);
    return locationOf(session, args, { path: gallery, apiVersion: GALLERY.apiVersion });
  },
};
