/**
 * `latest` of an image definition as Kiln resolves `.../versions/latest` without a region
 * (src/domain/gallery-image-versions/latest.ts): the highest version number, compared part by part,
 * among the versions that succeeded and are not excluded from latest.
 */
import type { ImageVersion } from './gallery-resources.ts';

/** Orders `Major.Minor.Patch` names numerically, part by part. */
export function compareVersionNames(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

export function latestVersion(versions: readonly ImageVersion[]): ImageVersion | undefined {
  return versions
    .filter((v) => v.properties.provisioningState === 'Succeeded' && !v.properties.publishingProfile.excludeFromLatest)
    .sort((a, b) => compareVersionNames(b.name, a.name))[0];
}
