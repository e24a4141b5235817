/** Every part of the portal, in the order of the side navigation. */
import { accessControl } from './access/index.tsx';
import { browse } from './browse/index.tsx';
import { compute } from './compute/index.tsx';
import type { Feature } from './feature.ts';
import { gallery } from './gallery/index.tsx';
import { imageTemplates } from './templates/index.tsx';
import { virtualMachines } from './vms/index.tsx';

export const FEATURES: readonly Feature[] = [browse, gallery, imageTemplates, compute, virtualMachines, accessControl];
