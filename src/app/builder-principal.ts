/**
 * Kiln's image builder principal, which builds act as: made at start, and by default given
 * Contributor at every subscription so a fresh install builds at once. With `build.builderGrants:
 * "none"` the operator grants it per resource group instead (Contributor where it distributes,
 * Reader where its sources are), Azure's least-privilege model; runs without those grants fail.
 */
import { ensureBuilderContributor } from '../domain/image-templates/builder-access.ts';
import { ensureImageBuilder, type ServicePrincipal } from '../domain/identity/service-principals.ts';
import { builderGrants } from './config.ts';
import type { Kiln } from './kiln.ts';

export async function ensureBuilderPrincipal(kiln: Pick<Kiln, 'config' | 'domain'>): Promise<ServicePrincipal> {
  const grants = builderGrants(kiln.config);
  const builder = await ensureImageBuilder(kiln.domain.store);
  if (grants === 'subscription') await ensureBuilderContributor(kiln.domain, builder);
  return builder;
}
