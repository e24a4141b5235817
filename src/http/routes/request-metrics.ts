/**
 * The request metrics of /metrics (metrics-routes.ts): requests answered and their latency by method,
 * route pattern and status code, counted per request in plain numbers and handed to prom-client's
 * registry as a counter and a histogram when it is scraped. prom-client's own `inc` and `observe`
 * build and hash a key of the labels on every call, which every API call paid; here a request costs
 * three lookups of strings whose hashes V8 already holds (the route's pattern and the method are the
 * same strings on every call) and a status code.
 *
 * What a scrape shows is what prom-client's Counter and Histogram show for the same observations:
 * the same names, labels, cumulative `le` buckets with `+Inf`, `_sum` and `_count`, in its text
 * format (its registry formats both).
 */
import type { Metric, Registry } from 'prom-client';

interface Series {
  labels: { method: string; route: string; status_code: string };
  count: number;
  /** Seconds. */
  sum: number;
  /** Observations per bucket (not cumulative); one more than the bounds, for +Inf. */
  buckets: number[];
}

export interface RequestMetricsOptions {
  requestsName: string;
  requestsHelp: string;
  latencyName: string;
  latencyHelp: string;
  /** Upper bounds of the latency buckets, in seconds, ascending. */
  buckets: readonly number[];
}

export class RequestMetrics {
  /** By route pattern, method, status code. */
  readonly #series = new Map<string, Map<string, Map<number, Series>>>();

  constructor(
    registry: Registry,
    private readonly options: RequestMetricsOptions,
  ) {
    // Not prom-client's classes, but what its registry asks of a metric: a name and what get() returns.
    const metric = (name: string, help: string, type: 'counter' | 'histogram', values: () => unknown[]) =>
      ({
        name,
        help,
        type,
        aggregator: 'sum',
        get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
        reset: () => this.#series.clear(),
      }) as unknown as Metric;
    registry.registerMetric(metric(options.requestsName, options.requestsHelp, 'counter', () => this.#counts()));
    registry.registerMetric(metric(options.latencyName, options.latencyHelp, 'histogram', () => this.#latencies()));
  }

  /** One request answered: `route` is its pattern ('unmatched' when none), `seconds` its latency. */
  observe(method: string, route: string, statusCode: number, seconds: number): void {
    let byMethod = this.#series.get(route);
    if (!byMethod) this.#series.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let series = byStatus.get(statusCode);
    if (!series) {
      series = {
        labels: { method, route, status_code: String(statusCode) },
        count: 0,
        sum: 0,
        buckets: new Array<number>(this.options.buckets.length + 1).fill(0),
      };
      byStatus.set(statusCode, series);
    }
    const { buckets } = this.options;
    let bucket = 0;
    while (bucket < buckets.length && seconds > buckets[bucket]) bucket += 1;
    series.buckets[bucket] += 1;
    series.count += 1;
    series.sum += seconds;
  }

  *#all(): Generator<Series> {
    for (const byMethod of this.#series.values()) for (const byStatus of byMethod.values()) yield* byStatus.values();
  }

  #counts() {
    return [...this.#all()].map((series) => ({ labels: series.labels, value: series.count }));
  }

  /** As prom-client's histogram writes them: a bucket's `le` before the series' labels. */
  #latencies() {
    const name = this.options.latencyName;
    return [...this.#all()].flatMap((series) => {
      let cumulative = 0;
      const bucket = (le: number | string, value: number) => ({
        labels: { le, ...series.labels },
        value,
        metricName: `${name}_bucket`,
      });
      return [
        ...this.options.buckets.map((bound, i) => bucket(bound, (cumulative += series.buckets[i]))),
        bucket('+Inf', series.count),
        { labels: series.labels, value: series.sum, metricName: `${name}_sum` },
        { labels: series.labels, value: series.count, metricName: `${name}_count` },
      ];
    });
  }
}
