/**
 * A bounded map of values that expire, for results too costly to compute per request and safe to
 * reuse for a short, stated time (a verified token, a caller's role assignments).
 *
 * Invariants:
 *  - A value is served at most `ttlMs` after its load *started* (what the load read is no older
 *    than that), and never at or after the expiry `expiresAt` gives it; a value whose expiry is at
 *    or before the load's start is not kept (a refusal, a token past its time).
 *  - `clear()` forgets every value, and a load in flight when it ran does not store what it
 *    returns: a change followed by `clear()` is never answered from before the change, however
 *    loads overlapped it.
 *  - Calls for a key whose load is in flight (and started less than `ttlMs` ago) share that load:
 *    a burst of requests with one new token verifies it once. A load that throws is not kept.
 *  - At most `maxEntries` keys: one more drops the one added longest ago.
 *  - A hit on a value whose load has finished is the value itself, not a promise: the API's hot
 *    path (http/arm/pipeline-step.ts) then answers without waiting a microtask turn per step.
 */
import type { Clock } from './clock.ts';

interface Entry<V> {
  value: Promise<V>;
  /** Set once the load has finished: what it returned. */
  loaded?: { value: V };
  /** Epoch milliseconds from which the value is no longer served. */
  until: number;
}

export interface ExpiringCacheOptions {
  clock: Clock;
  ttlMs: number;
  maxEntries: number;
}

export class ExpiringCache<V> {
  readonly #entries = new Map<string, Entry<V>>();

  constructor(private readonly options: ExpiringCacheOptions) {}

  /**
   * The value of `key`: cached (the value itself once its load has finished), or what `load` gives,
   * kept until `ttlMs` after the load started or `expiresAt(value)`, whichever is first.
   */
  get(key: string, load: () => Promise<V>, expiresAt: (value: V) => number = () => Infinity): V | Promise<V> {
    const now = this.options.clock.now().getTime();
    const cached = this.#entries.get(key);
    if (cached && now < cached.until) return cached.loaded ? cached.loaded.value : cached.value;
    const entry = { until: now + this.options.ttlMs } as Entry<V>;
    // Only while the entry is still the key's: clear() or a newer load replaced it otherwise.
    const mine = () => this.#entries.get(key) === entry;
    entry.value = load().then(
      (value) => {
        entry.until = Math.min(entry.until, expiresAt(value));
        entry.loaded = { value };
        if (mine() && entry.until <= now) this.#entries.delete(key);
        return value;
      },
      (error: unknown) => {
        if (mine()) this.#entries.delete(key);
        throw error;
      },
    );
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (this.#entries.size > this.options.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    return entry.value;
  }

  /** Forgets every value; loads in flight keep what they return to their own callers. */
  clear(): void {
    this.#entries.clear();
  }
}
