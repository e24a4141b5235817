/**
 * A template as Azure shows it: in the shape of the request's api-version (version-shapes.ts), each
 * user-assigned identity with the principalId and clientId of the identity it names (stored as `{}`,
 * since the identity's ids are its own and may be recreated).
 */
import type { DomainContext } from '../context.ts';
import { findIdentity } from '../managed-identities/operations.ts';
import type { ImageTemplate } from './image-template.ts';
import { templateAt, type ShownTemplate } from './version-shapes.ts';

export async function templateView(
  ctx: DomainContext,
  template: ImageTemplate,
  apiVersion: string | undefined,
): Promise<ShownTemplate> {
  const shown = templateAt(template, apiVersion);
  const assigned = template.identity.userAssignedIdentities;
  if (!assigned) return shown;
  const entries = await Promise.all(
    Object.keys(assigned).map(async (id) => {
      const identity = await findIdentity(ctx, id);
      return [
        id,
        identity ? { principalId: identity.properties.principalId, clientId: identity.properties.clientId } : {},
      ] as const;
    }),
  );
  return { ...shown, identity: { ...shown.identity, userAssignedIdentities: Object.fromEntries(entries) } };
}
