/**
 * `GET /metrics`: the registry the composition root hands in, in Prometheus's text format, beside the
 * ARM scope and without a token (scrapers send none; SECURITY.md says what it shows), plus the
 * request metrics of every route of the app.
 *
 * Invariant: labels are bounded. A request is counted under its route's pattern as registered
 * (`/subscriptions/:subscriptionId/...`), never its URL, so no resource name, id or query string
 * reaches a label, and the series stay as many as routes × methods × status codes; a request no
 * route matched is `route="unmatched"`.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';

const LABELS = ['method', 'route', 'status_code'] as const;

/** Seconds: a token or a GET answers in milliseconds, a request waiting for quick long-running work in about `lroWaitMs`. */
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Adds the request metrics to `registry` and serves it; before the app's other routes, whose requests it counts. */
export function registerMetricsRoutes(app: FastifyInstance, registry: Registry): void {
  const requests = new Counter({
    name: 'kiln_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code.',
    labelNames: LABELS,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'kiln_http_request_duration_seconds',
    help: 'Time from a request to the end of its response, by method, route pattern and status code.',
    labelNames: LABELS,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode),
    };
    requests.inc(labels);
    latency.observe(labels, reply.elapsedTime / 1000);
  });
  app.get('/metrics', async (_request, reply) =>
    reply
      .type(registry.contentType)
      .header('cache-control', 'no-store')
      .send(await registry.metrics()),
  );
}
