/**
 * Health for load balancers and orchestrators, beside the ARM scope (no api-version, no token: a
 * probe carries neither):
 *
 *   GET /healthz/live            200 while the process serves requests; checks nothing else.
 *   GET /healthz/ready, /healthz 200 when the metadata store and every region's blob store answer one
 *                                cheap call within CHECK_TIMEOUT_MS, else 503 naming what failed.
 *
 * The body lists each check (`metadata`, `region:<name>`) with its result and latency; a failure
 * shows only a code (`ENOENT`, `ECONNREFUSED`, `timeout`), never the error's text, which can hold
 * paths or an account's address: anyone who reaches the port may ask. The text goes to the log.
 * Probes arriving while checks run share them, so callers cannot multiply the load on the stores.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { performance } from 'node:perf_hooks';
import type { RegionStores } from '../../ports/blob-store.ts';
import type { MetadataStore } from '../../ports/metadata-store.ts';

export interface HealthDeps {
  store: MetadataStore;
  regions: RegionStores;
}

/** Longer than any healthy store takes, shorter than a load balancer's probe timeout (commonly 5 s). */
const CHECK_TIMEOUT_MS = 2000;
/** A key no record has: its lookup is one primary-key read. */
const ABSENT_KEY = '/kiln/healthz';

interface CheckResult {
  name: string;
  ok: boolean;
  latencyMs: number;
  error?: string;
}

type Check = { name: string; run(signal: AbortSignal): Promise<unknown> };

export function registerHealthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  const checks = (): Check[] => [
    { name: 'metadata', run: () => deps.store.get(ABSENT_KEY) },
    ...deps.regions.regions().map((region) => ({
      name: `region:${region}`,
      run: (signal: AbortSignal) => deps.regions.get(region)!.probe(signal),
    })),
  ];
  let round: Promise<CheckResult[]> | undefined;
  const ready = (log: FastifyBaseLogger) =>
    (round ??= Promise.all(checks().map((check) => timed(check, log))).finally(() => (round = undefined)));

  app.get('/healthz/live', async (_request, reply) =>
    reply.header('cache-control', 'no-store').send({ status: 'Live' }),
  );
  for (const url of ['/healthz', '/healthz/ready'])
    app.get(url, async (request, reply) => {
      const results = await ready(request.log);
      const failed = results.filter((result) => !result.ok).map((result) => result.name);
      return reply
        .status(failed.length ? 503 : 200)
        .header('cache-control', 'no-store')
        .send(failed.length ? { status: 'NotReady', failed, checks: results } : { status: 'Ready', checks: results });
    });
}

async function timed(check: Check, log: FastifyBaseLogger): Promise<CheckResult> {
  const signal = AbortSignal.timeout(CHECK_TIMEOUT_MS);
  const started = performance.now();
  const latency = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    await Promise.race([check.run(signal), aborted(signal)]);
    return { name: check.name, ok: true, latencyMs: latency() };
  } catch (error) {
    log.warn({ check: check.name, err: error }, 'readiness check failed');
    return { name: check.name, ok: false, latencyMs: latency(), error: signal.aborted ? 'timeout' : codeOf(error) };
  }
}

/** Rejects when `signal` aborts: a store that ignores it (a database connection attempt) still answers in time. */
const aborted = (signal: AbortSignal) =>
  new Promise<never>((_resolve, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
  );

/** The error's code when it is one (a word), else a fixed word: the text stays in the log. */
function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^\w{1,64}$/.test(code) ? code : 'Failed';
}
