import type { Feature } from '../feature.ts';

export const accessControl: Feature = {};
