/**
 * What the signed-in principal may do at a scope, as the Azure portal learns it: the
 * Microsoft.Authorization `permissions` list of the caller at that scope, matched with ARM's
 * wildcard rules. The UI hides or disables what is denied; the server still decides every call.
 * Until the list arrives (or if it cannot be read) everything is allowed: a wrong guess costs the
 * user a clear 403 from the server, never a silently missing button.
 */
import { API_VERSIONS } from '../arm/api-versions.ts';
import { useSession } from '../session/session-context.tsx';
import { useLoad } from './use-load.ts';

interface Permission {
  actions: string[];
  notActions: string[];
}

export interface Can {
  (action: string): boolean;
  /**
   * Whether the list has been read (or failed to be): a large block offered only to those allowed
   * (a create form) waits for it rather than showing and vanishing for those who are not.
   */
  settled: boolean;
}

export function usePermissions(scope: string | undefined): Can {
  const { client } = useSession();
  const { data, loading } = useLoad(
    async () =>
      scope
        ? client.list<Permission>(`${scope}/providers/Microsoft.Authorization/permissions`, API_VERSIONS.authorization)
        : undefined,
    [client, scope],
  );
  return Object.assign((action: string) => (data ? allows(data, action) : true), { settled: !loading });
}

/** ARM's rule: some permission's actions match and none of that permission's notActions do. */
export function allows(permissions: readonly Permission[], action: string): boolean {
  return permissions.some(
    (p) => p.actions.some((a) => matches(a, action)) && !p.notActions.some((n) => matches(n, action)),
  );
}

function matches(pattern: string, action: string): boolean {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i').test(action);
}
