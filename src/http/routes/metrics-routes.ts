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
import type { Registry } from 'prom-client';
import { RequestMetrics } from './request-metrics.ts';

/** Seconds: a token or a GET answers in milliseconds, a request waiting for quick long-running work in about `lroWaitMs`. */
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Adds the request metrics to `registry` and serves it; before the app's other routes, whose requests it counts. */
export function registerMetricsRoutes(app: FastifyInstance, registry: Registry): void {
  const metrics = new RequestMetrics(registry, {
    requestsName: 'kiln_http_requests_total',
    requestsHelp: 'HTTP requests answered, by method, route pattern and status code.',
    latencyName: 'kiln_http_request_duration_seconds',
    latencyHelp: 'Time from a request to the end of its response, by method, route pattern and status code.',
    buckets: LATENCY_BUCKETS,
  });
  // With `done`, not async: every request runs it, and an async hook costs a promise and a turn.
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observe(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
  app.get('/metrics', async (_request, reply) =>
    reply
      .type(registry.contentType)
      .header('cache-control', 'no-store')
      .send(await registry.metrics()),
  );
}
