/**
 * Principals to offer when adding a role assignment. Kiln has no directory (Microsoft Graph) to search,
 * so these are what ARM itself lists: the subscription's user-assigned managed identities (each a
 * service principal) and the principals already holding a role here. Any other is typed by its object
 * or application id; a list that cannot be read only offers less.
 */
import { apiVersionOf } from '../../arm/api-versions.ts';
import { parseId } from '../../arm/ids.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { useSession } from '../../session/session-context.tsx';
import type { RoleAssignment } from './model.ts';

export interface KnownPrincipal {
  id: string;
  label: string;
}

const IDENTITIES = 'Microsoft.ManagedIdentity/userAssignedIdentities';

interface Identity {
  name: string;
  properties?: { principalId?: string };
}

export function useKnownPrincipals(scope: string, assignments: readonly RoleAssignment[]): KnownPrincipal[] {
  const { client } = useSession();
  const subscription = parseId(scope).subscription;
  const identities = useLoad(
    async () =>
      subscription
        ? client.list<Identity>(`/subscriptions/${subscription}/providers/${IDENTITIES}`, apiVersionOf(IDENTITIES))
        : [],
    [client, subscription],
  );
  const known = new Map<string, string>();
  for (const identity of identities.data ?? []) {
    const id = identity.properties?.principalId;
    if (id) known.set(id.toLowerCase(), `${identity.name} (managed identity)`);
  }
  for (const { properties } of assignments) {
    const id = properties.principalId.toLowerCase();
    if (!known.has(id)) known.set(id, `${properties.principalType} with a role here`);
  }
  return [...known].map(([id, label]) => ({ id, label }));
}
