/**
 * The signed-in principal's object id, which role assignments name: read from its token's `oid`
 * claim, since Kiln has no directory (Microsoft Graph) to ask. Only for showing "you" beside its
 * own assignments; nothing is decided by it.
 */
import { useMemo } from 'react';
import { useSession } from '../../session/session-context.tsx';

export function useCallerObjectId(): string | undefined {
  const { session } = useSession();
  return useMemo(() => objectIdOf(session.accessToken), [session.accessToken]);
}

function objectIdOf(token: string): string | undefined {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const oid = (JSON.parse(atob(payload)) as { oid?: unknown }).oid;
    return typeof oid === 'string' ? oid.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}
