/**
 * The template the create page starts from: one that runs as it is, on the first platform image of
 * Kiln's catalog in the chosen location, with one Shell customizer and a managed image as its output
 * next to the template. It is the PUT's body but its `location`, which the form's field gives.
 */
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { useSession } from '../../session/session-context.tsx';

export interface PlatformImageName {
  publisher: string;
  offer: string;
  sku: string;
}

/** What Azure's VirtualMachineImages lists answer: a bare array of names. */
type Names = { name: string }[];

/** The first platform image the catalog lists in `location`, or null when it has none (or cannot be read). */
export function useFirstPlatformImage(subscription: string, location: string) {
  const { client } = useSession();
  return useLoad(async (): Promise<PlatformImageName | null> => {
    if (!subscription || !location) return null;
    const base = `/subscriptions/${subscription}/providers/Microsoft.Compute/locations/${location}/publishers`;
    const first = async (path: string) =>
      (await client.get<Names>(path, API_VERSIONS.virtualMachines).catch(() => [] as Names))[0]?.name;
    const publisher = await first(base);
    const offer = publisher && (await first(`${base}/${publisher}/artifacttypes/vmimage/offers`));
    const sku = offer && (await first(`${base}/${publisher}/artifacttypes/vmimage/offers/${offer}/skus`));
    return publisher && offer && sku ? { publisher, offer, sku } : null;
  }, [client, subscription, location]);
}

export function exampleTemplate(
  where: { subscription: string; group: string; name: string; location: string },
  image: PlatformImageName | null,
): string {
  const imageName = `${where.name || 'my-template'}-image`;
  const body = {
    properties: {
      source: {
        type: 'PlatformImage',
        publisher: image?.publisher ?? 'Debian',
        offer: image?.offer ?? 'debian-12',
        sku: image?.sku ?? '12',
        version: 'latest',
      },
      customize: [
        {
          type: 'Shell',
          name: 'motd',
          inline: ['echo "Built by Kiln on $(date -u)" > /etc/motd', 'cat /etc/motd'],
        },
      ],
      distribute: [
        {
          type: 'ManagedImage',
          runOutputName: 'image',
          imageId: `/subscriptions/${where.subscription}/resourceGroups/${where.group}/providers/Microsoft.Compute/images/${imageName}`,
          location: where.location,
        },
      ],
    },
  };
  return JSON.stringify(body, null, 2);
}
