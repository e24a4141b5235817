import type { Feature } from '../feature.ts';

export const virtualMachines: Feature = {};
