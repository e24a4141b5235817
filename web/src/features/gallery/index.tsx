/**
 * The Azure Compute Gallery in the portal: the galleries of every subscription, a gallery's image
 * definitions, a definition's versions and updatable fields, a version's live replication.
 */
import type { Feature } from '../feature.ts';
import { DefinitionView } from './definition-view.tsx';
import { GalleriesPage } from './galleries-page.tsx';
import { GalleryView } from './gallery-view.tsx';
import { VersionView } from './version-view.tsx';
import './gallery.css';

export const gallery: Feature = {
  nav: [{ label: 'Galleries', to: '/galleries' }],
  routes: [{ pattern: '/galleries', render: () => <GalleriesPage /> }],
  views: {
    'microsoft.compute/galleries': (props) => <GalleryView {...props} />,
    'microsoft.compute/galleries/images': (props) => <DefinitionView {...props} />,
    'microsoft.compute/galleries/images/versions': (props) => <VersionView {...props} />,
  },
};
