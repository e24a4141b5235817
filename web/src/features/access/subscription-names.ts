/** The display names of the subscriptions the caller sees, by lower-cased id, so scopes read as the user named them. */
import { useMemo } from 'react';
import { useSubscriptions } from '../browse/subscriptions.tsx';

export function useSubscriptionNames(): ReadonlyMap<string, string> {
  const subscriptions = useSubscriptions();
  return useMemo(
    () => new Map((subscriptions.data ?? []).map((s) => [s.subscriptionId.toLowerCase(), s.displayName])),
    [subscriptions.data],
  );
}
