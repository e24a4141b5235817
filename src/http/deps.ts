import type { Clock } from '../core/clock.ts';
import type { MetadataStore } from '../ports/metadata-store.ts';
import type { RegionStores } from '../ports/blob-store.ts';
import type { TokenVerifier } from '../domain/identity/token-authority.ts';

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
}

/** Everything the HTTP layer needs, handed in by the composition root (src/app). */
export interface AppDeps {
  store: MetadataStore;
  regions: RegionStores;
  clock: Clock;
  settings: KilnSettings;
  tokens: TokenVerifier;
}
