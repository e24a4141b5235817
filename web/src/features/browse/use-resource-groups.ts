import { API_VERSIONS } from '../../arm/api-versions.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { useSession } from '../../session/session-context.tsx';

export interface ResourceGroup {
  id: string;
  name: string;
  location: string;
  properties: { provisioningState: string };
}

/** The resource groups of a subscription (none until one is chosen): lists and the group pickers of create forms. */
export function useResourceGroups(subscription: string | undefined) {
  const { client } = useSession();
  return useLoad(
    async () =>
      subscription
        ? client.list<ResourceGroup>(`/subscriptions/${subscription}/resourcegroups`, API_VERSIONS.resources)
        : [],
    [client, subscription],
  );
}
