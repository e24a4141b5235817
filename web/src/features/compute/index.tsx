import type { Feature } from '../feature.ts';

export const compute: Feature = {};
