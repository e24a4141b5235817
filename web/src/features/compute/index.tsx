/**
 * Images, disks and snapshots (Microsoft.Compute): their lists across the subscriptions the user
 * sees, forms to create an empty disk, a snapshot of a disk and an image of either, and the overview
 * of each on its resource page, with download access for disks and snapshots.
 */
import type { Feature } from '../feature.ts';
import './compute.css';
import { CreateDisk } from './create-disk.tsx';
import { CreateImage } from './create-image.tsx';
import { CreateSnapshot } from './create-snapshot.tsx';
import { DiskView } from './disk-view.tsx';
import { ImageView } from './image-view.tsx';
import { DisksPage, ImagesPage, SnapshotsPage } from './list-pages.tsx';
import { DISKS, IMAGES, SNAPSHOTS } from './model.ts';

export const compute: Feature = {
  nav: [
    { label: IMAGES.title, to: IMAGES.path },
    { label: DISKS.title, to: DISKS.path },
    { label: SNAPSHOTS.title, to: SNAPSHOTS.path },
  ],
  routes: [
    { pattern: IMAGES.path, render: () => <ImagesPage /> },
    { pattern: `${IMAGES.path}/create`, render: () => <CreateImage /> },
    { pattern: DISKS.path, render: () => <DisksPage /> },
    { pattern: `${DISKS.path}/create`, render: () => <CreateDisk /> },
    { pattern: SNAPSHOTS.path, render: () => <SnapshotsPage /> },
    { pattern: `${SNAPSHOTS.path}/create`, render: () => <CreateSnapshot /> },
  ],
  views: {
    'microsoft.compute/images': (props) => <ImageView {...props} />,
    'microsoft.compute/disks': (props) => <DiskView {...props} kind={DISKS} />,
    'microsoft.compute/snapshots': (props) => <DiskView {...props} kind={SNAPSHOTS} />,
  },
};
