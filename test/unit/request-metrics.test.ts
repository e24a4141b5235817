// The request metrics (http/routes/request-metrics.ts) count in plain numbers and hand prom-client's
// registry what its own Counter and Histogram would: here both take the same requests and the
// registries' text must hold the same lines (series may come in another order, as Prometheus allows).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { RequestMetrics } from '../../src/http/routes/request-metrics.ts';

const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const NAMES = {
  requestsName: 'kiln_http_requests_total',
  requestsHelp: 'HTTP requests answered.',
  latencyName: 'kiln_http_request_duration_seconds',
  latencyHelp: 'Time to answer.',
};
const ROUTE = '/subscriptions/:subscriptionId/resourcegroups/:resourceGroupName';
/** Method, route, status, seconds: on bucket bounds, between them, past the last, and a label value to escape. */
const REQUESTS: Array<[string, string, number, number]> = [
  ['GET', ROUTE, 200, 0.0004],
  ['GET', ROUTE, 200, 0.001],
  ['GET', ROUTE, 200, 0.0011],
  ['GET', 'unmatched', 404, 45],
  ['GET', ROUTE, 404, 0.02],
  ['PUT', ROUTE, 201, 1.7],
  ['GET', '/portal/"quoted"\\path', 200, 0.3],
];

function viaPromClient(requests = REQUESTS): Registry {
  const registry = new Registry();
  const labelNames = ['method', 'route', 'status_code'];
  const counter = new Counter({
    name: NAMES.requestsName,
    help: NAMES.requestsHelp,
    labelNames,
    registers: [registry],
  });
  const latency = new Histogram({
    name: NAMES.latencyName,
    help: NAMES.latencyHelp,
    labelNames,
    buckets: BUCKETS,
    registers: [registry],
  });
  for (const [method, route, status, seconds] of requests) {
    const labels = { method, route, status_code: String(status) };
    counter.inc(labels);
    latency.observe(labels, seconds);
  }
  return registry;
}

describe('request metrics', () => {
  it("scrape as prom-client's counter and histogram would, after the same requests", async () => {
    const registry = new Registry();
    const metrics = new RequestMetrics(registry, { ...NAMES, buckets: BUCKETS });
    assert.equal(await registry.metrics(), await viaPromClient([]).metrics(), 'before any request');
    for (const request of REQUESTS) metrics.observe(...request);
    const text = await registry.metrics();
    const lines = (scraped: string) => scraped.split('\n').sort();
    assert.deepEqual(lines(text), lines(await viaPromClient().metrics()));
    assert.match(text, /kiln_http_requests_total\{method="GET",route="\/subscriptions\/[^"]+",status_code="200"\} 3\n/);
    assert.deepEqual(
      (await registry.getMetricsAsJSON()).map((metric) => [metric.name, metric.values.length]),
      (await viaPromClient().getMetricsAsJSON()).map((metric) => [metric.name, metric.values.length]),
    );
  });
});
