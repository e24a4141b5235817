import type { Feature } from '../feature.ts';

export const gallery: Feature = {};
