/** What every customizer step is given by the build that runs it. */
import type { ResourceLimits } from '../limits/resource-limits.ts';
import type { FetchLike } from './download-into-image.ts';

export interface CustomizerDeps {
  /** How downloads are made; by default over the network under the default download policy (public addresses only). */
  fetch?: FetchLike;
  /** Whether scripts reach the network; off by default (see sandbox.ts for what sharing means). */
  network?: boolean;
  /** What each script may use; the defaults of resource-limits.ts when left out. */
  limits?: ResourceLimits;
}
