import type { Clock } from '../core/clock.ts';
import type { MetadataStore } from '../ports/metadata-store.ts';
import type { RegionStores } from '../ports/blob-store.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { DocumentFetcher } from '../ports/document-fetcher.ts';
import type { TaskPayloads } from './task-payloads.ts';

export interface RegionSetting {
  /** Lower-case programmatic name, e.g. `eastus`. */
  name: string;
  /** Display name, e.g. `East US`. */
  displayName: string;
}

export interface SubscriptionSetting {
  id: string;
  displayName: string;
}

export interface KilnSettings {
  tenantId: string;
  subscriptions: SubscriptionSetting[];
  regions: RegionSetting[];
  /** Kiln's own URL, for links made outside a request (a build's artifactUri). */
  publicUrl?: string;
  /** VM sizes and what the host's VMs hold at once (domain/virtual-machines/capacity.ts has the defaults). */
  virtualMachines?: Partial<VirtualMachineSettings>;
  /** Per-subscription, per-region limits; defaults in src/domain/shared/quota.ts. */
  quotas?: Partial<Record<'galleries' | 'galleryImages' | 'galleryImageVersions', number>>;
  /** The loopback block public IP addresses come from; default in src/domain/public-ip-addresses/address-pool.ts. */
  publicIpAddressPool?: string;
}

export interface VirtualMachineSettings {
  sizes: import('./virtual-machines/vm-sizes.ts').VmSize[];
  /** vCPUs the host's VMs (not deallocated) hold at once: Azure's regional cores quota. */
  maxCores: number;
  /** Memory they hold at once, in MiB. */
  maxMemoryMiB: number;
  /** Whether VMs may open connections out through the host (NAT, the host's loopback included). */
  outbound: boolean;
}

/** What every domain operation works with; built once by the composition root. */
export interface DomainContext {
  store: MetadataStore;
  regions: RegionStores;
  jobs: JobQueue<TaskPayloads>;
  clock: Clock;
  settings: KilnSettings;
  /** Turns a region blob into a URL clients can use (e.g. a disk's download SAS). */
  blobUrls: BlobUrlIssuer;
  /** How a deployment's `templateLink` and `parametersLink` are fetched; absent where no API is served (`kiln build`), which refuses links. */
  documents?: DocumentFetcher;
  /** Told of the work domain functions do, for the operator's metrics; absent where nobody reads them (`kiln build`). */
  meters?: WorkMeters;
}

/** What domain work reports to `kiln serve`'s /metrics. */
export interface WorkMeters {
  /** A gallery version's replication copied `bytes` into `region` from another region (chunks it lacked). */
  replicatedBytes(region: string, bytes: number): void;
  /**
   * A build handed `bytes` of its image to `region`'s store: the chunks it changed (and, the first
   * time in a region, the source's chunks copied in), or the whole image where it could not work
   * from its source's chunks.
   */
  builtBytes(region: string, bytes: number): void;
}

/** What checks that only need the installation's settings (regions, subscriptions) take: `kiln validate` has no stores. */
export type SettingsContext = Pick<DomainContext, 'settings'>;

export interface BlobUrlIssuer {
  /** Public URL of a sealed blob, as found in `blobUri`/`artifactUri`. */
  plain(baseUrl: string, region: string, key: string): string;
  /** A time-limited signed URL; a write grant opens the upload in progress (staging blob) to page writes. */
  signed(
    baseUrl: string,
    region: string,
    key: string,
    access: { write: boolean; expiresOn: Date; identifier: string },
  ): string;
}
