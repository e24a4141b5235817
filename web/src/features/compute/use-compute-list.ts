/**
 * Every resource of some kinds across the subscriptions the signed-in principal sees (a subscription
 * it may read only in part answers with what it may read), kept current while any of them is still
 * being made, so a list shows an image's copy finishing without a reload.
 */
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { useSession } from '../../session/session-context.tsx';
import type { Subscription } from '../browse/subscriptions.tsx';
import { inProgress, type ComputeKind } from './model.ts';

const POLL_MS = 2000;

export function useComputeList<T extends { properties: { provisioningState: string } }>(
  ...kinds: readonly ComputeKind[]
) {
  const { client } = useSession();
  return useLoad(
    async () => {
      const subscriptions = await client.list<Subscription>('/subscriptions', API_VERSIONS.subscriptions);
      const lists = await Promise.all(
        kinds.flatMap((kind) =>
          subscriptions.map((s) =>
            client.list<T>(`/subscriptions/${s.subscriptionId}/providers/${kind.type}`, kind.apiVersion),
          ),
        ),
      );
      return lists.flat();
    },
    [client, kinds.map((kind) => kind.type).join()],
    { pollMs: (rows) => (rows?.some(inProgress) ? POLL_MS : undefined) },
  );
}
