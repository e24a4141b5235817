// The per-process cache under the API's token and access caches (core/expiring-cache.ts), on a
// clock the test moves: what it serves, for how long, and what clear() and failures leave behind.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExpiringCache } from '../../src/core/expiring-cache.ts';

function setup(maxEntries = 100) {
  let now = Date.parse('2030-01-01T00:00:00Z');
  const clock = { now: () => new Date(now) };
  const cache = new ExpiringCache<number>({ clock, ttlMs: 1000, maxEntries });
  let loads = 0;
  const load = (value: number) => async () => {
    loads += 1;
    return value;
  };
  return {
    cache,
    load,
    loads: () => loads,
    advance: (ms: number) => (now += ms),
    now: () => now,
  };
}

/** A load the test finishes when it chooses. */
function pending<T>() {
  let finish!: (value: T) => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<T>((resolve, reject) => ((finish = resolve), (fail = reject)));
  return { load: () => promise, finish, fail };
}

describe('expiring cache', () => {
  it('serves a value for ttlMs from when its load started, then loads again', async () => {
    const { cache, load, loads, advance } = setup();
    assert.equal(await cache.get('a', load(1)), 1);
    advance(999);
    assert.equal(await cache.get('a', load(2)), 1);
    assert.equal(loads(), 1);
    advance(1);
    assert.equal(await cache.get('a', load(3)), 3);
    assert.equal(loads(), 2);
  });

  it('answers a hit on a finished load with the value itself, a load in flight with its promise', async () => {
    const { cache } = setup();
    const slow = pending<number>();
    const inFlight = cache.get('a', slow.load);
    assert.ok(inFlight instanceof Promise);
    assert.ok(cache.get('a', slow.load) instanceof Promise, 'a second call while the load runs waits for it too');
    slow.finish(5);
    assert.equal(await inFlight, 5);
    assert.equal(cache.get('a', slow.load), 5, 'no promise once the value is known');
  });

  it('counts the time from the start of a slow load, not its end', async () => {
    const { cache, advance } = setup();
    const slow = pending<number>();
    const first = cache.get('a', slow.load);
    advance(800);
    slow.finish(1);
    assert.equal(await first, 1);
    advance(200);
    assert.equal(await cache.get('a', async () => 2), 2);
  });

  it('never serves a value at or after the expiry it gives, and keeps none already expired', async () => {
    const { cache, load, loads, advance, now } = setup();
    const soon = now() + 300;
    assert.equal(await cache.get('a', load(1), () => soon), 1);
    advance(299);
    assert.equal(await cache.get('a', load(2), () => soon), 1);
    advance(1);
    assert.equal(await cache.get('a', load(3), () => 0), 3);
    assert.equal(await cache.get('a', load(4), () => 0), 4, 'an expiry in the past keeps nothing');
    assert.equal(loads(), 3);
  });

  it('shares a load in flight among the calls for its key', async () => {
    const { cache } = setup();
    const slow = pending<number>();
    let loads = 0;
    const counted = () => ((loads += 1), slow.load());
    const calls = [cache.get('a', counted), cache.get('a', counted), cache.get('a', counted)];
    slow.finish(7);
    assert.deepEqual(await Promise.all(calls), [7, 7, 7]);
    assert.equal(loads, 1);
  });

  it('keeps nothing of a load that throws', async () => {
    const { cache, load } = setup();
    const failing = pending<number>();
    const first = cache.get('a', failing.load);
    failing.fail(new Error('store down'));
    await assert.rejects(async () => first, /store down/);
    assert.equal(await cache.get('a', load(2)), 2);
  });

  it('forgets everything on clear(), and a load in flight then keeps its value to its own callers', async () => {
    const { cache, load, loads } = setup();
    assert.equal(await cache.get('a', load(1)), 1);
    cache.clear();
    assert.equal(await cache.get('a', load(2)), 2);
    assert.equal(loads(), 2);

    // A load that read before a change finishes after the change's clear(): never served later.
    const before = pending<number>();
    const overlapping = cache.get('b', before.load);
    cache.clear();
    const after = cache.get('b', load(20));
    before.finish(10);
    assert.equal(await overlapping, 10);
    assert.equal(await after, 20);
    assert.equal(await cache.get('b', load(30)), 20);
  });

  it('holds at most maxEntries keys, dropping the one added longest ago', async () => {
    const { cache, load, loads } = setup(2);
    await cache.get('a', load(1));
    await cache.get('b', load(2));
    await cache.get('c', load(3));
    assert.equal(loads(), 3);
    assert.equal(await cache.get('c', load(30)), 3);
    assert.equal(await cache.get('b', load(20)), 2);
    assert.equal(await cache.get('a', load(10)), 10, "'a' was dropped for 'c'");
  });
});
