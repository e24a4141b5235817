import type { Feature } from '../feature.ts';

export const imageTemplates: Feature = {};
