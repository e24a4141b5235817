import { API_VERSIONS } from '../../arm/api-versions.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { useSession } from '../../session/session-context.tsx';

export interface Location {
  name: string;
  displayName: string;
}

/** The regions of a subscription, for the location pickers of create forms. */
export function useLocations(subscription: string | undefined) {
  const { client } = useSession();
  return useLoad(
    async () =>
      subscription ? client.list<Location>(`/subscriptions/${subscription}/locations`, API_VERSIONS.subscriptions) : [],
    [client, subscription],
  );
}
