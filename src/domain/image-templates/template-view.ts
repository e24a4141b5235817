/**
 * A template as Azure shows it: each user-assigned identity with the principalId and clientId of
 * the identity it names (stored as `{}`, since the identity's ids are its own and may be recreated).
 */
import type { DomainContext } from '../context.ts';
import { findIdentity } from '../managed-identities/operations.ts';
import type { ImageTemplate } from './image-template.ts';

export async function templateView(ctx: DomainContext, template: ImageTemplate): Promise<ImageTemplate> {
  const assigned = template.identity.userAssignedIdentities;
  if (!assigned) return template;
  const entries = await Promise.all(
    Object.keys(assigned).map(async (id) => {
      const identity = await findIdentity(ctx, id);
      return [
        id,
        identity ? { principalId: identity.properties.principalId, clientId: identity.properties.clientId } : {},
      ] as const;
    }),
  );
  return { ...template, identity: { ...template.identity, userAssignedIdentities: Object.fromEntries(entries) } };
}
