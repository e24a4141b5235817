/**
 * What `kiln serve` shows at /metrics: the process's own metrics (prom-client's defaults: CPU,
 * memory, event loop lag, garbage collection, open files), the job engine's (job-metrics.ts), the
 * bytes replication moves and builds store, and the HTTP request metrics the app adds (http/routes/metrics-routes.ts).
 */
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import type { WorkMeters } from '../domain/context.ts';
import type { JobEvent } from '../jobs/worker.ts';
import type { MetadataStore } from '../ports/metadata-store.ts';
import { jobMetrics } from './job-metrics.ts';

export interface ServerMetrics {
  registry: Registry;
  /** Takes every event of the server's job workers. */
  onJobEvent(event: JobEvent): void;
  /** Set as the domain context's meters. */
  meters: WorkMeters;
}

let processMetrics: Registry | undefined;

/**
 * The process's metrics, collected once per process: each collector watches the whole process (a
 * GC observer, an event loop monitor, never stopped), so a process starting many servers (tests)
 * must not stack them.
 */
function processRegistry(): Registry {
  if (processMetrics === undefined) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}

export function createServerMetrics(store: MetadataStore): ServerMetrics {
  const own = new Registry();
  const onJobEvent = jobMetrics(own, store);
  const replicated = new Counter({
    name: 'kiln_replication_bytes_total',
    help: "Bytes this process's gallery replications copied into each target region from another region (only chunks the region lacked).",
    labelNames: ['region'],
    registers: [own],
  });
  const built = new Counter({
    name: 'kiln_build_bytes_total',
    help: "Bytes this process's image template runs put into each region's store: the chunks a build changed (and a source's chunks copied into a region the first time), or the whole image where the build could not work from its source's chunks.",
    labelNames: ['region'],
    registers: [own],
  });
  return {
    // A merged registry shares the metrics of both, so the process's are not registered twice.
    registry: Registry.merge([processRegistry(), own]),
    onJobEvent,
    meters: {
      replicatedBytes: (region, bytes) => replicated.inc({ region }, bytes),
      builtBytes: (region, bytes) => built.inc({ region }, bytes),
    },
  };
}
