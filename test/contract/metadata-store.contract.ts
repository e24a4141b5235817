/**
 * Behaviour every MetadataStore adapter must show. Adapter test files call
 * `describeMetadataStoreContract` with a factory for fresh, empty storage.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  ExpectationFailedError,
  type DueClaim,
  type MetadataStore,
  type NewRecord,
  type StoredRecord,
  type Write,
} from '../../src/ports/metadata-store.ts';
import type { StorageUnderTest } from '../support/metadata-storage.ts';

export function describeMetadataStoreContract(name: string, createStorage: () => Promise<StorageUnderTest>): void {
  describe(`MetadataStore contract: ${name}`, () => {
    const handles: MetadataStore[] = [];
    let storage: StorageUnderTest;

    async function fresh(): Promise<MetadataStore> {
      storage = await createStorage();
      return connect();
    }
    async function connect(): Promise<MetadataStore> {
      const store = await storage.connect();
      handles.push(store);
      return store;
    }
    async function close(store: MetadataStore): Promise<void> {
      handles.splice(handles.indexOf(store), 1);
      await store.close();
    }
    afterEach(async () => {
      await Promise.all(handles.splice(0).map((store) => store.close()));
    });

    it('round-trips put, get and delete', async () => {
      const store = await fresh();
      assert.equal(await store.get('disk-1'), undefined);
      const [stored] = await store.apply([put('disk-1', { size: 1 })]);
      assert.deepEqual(withoutVersion(stored), record('disk-1', { size: 1 }));
      assert.deepEqual(await store.get('disk-1'), stored);
      assert.deepEqual(await store.apply([del('disk-1')]), []);
      assert.equal(await store.get('disk-1'), undefined);
    });

    it("answers a record's etag as get has it, a new one after each write, none once deleted", async () => {
      const store = await fresh();
      assert.equal(await store.etag('disk-1'), undefined);
      const [first] = await store.apply([put('disk-1', { size: 1 })]);
      assert.equal(await store.etag('disk-1'), first.etag);
      assert.equal(await store.etag('disk-1'), (await store.get('disk-1'))!.etag);
      const [second] = await store.apply([put('disk-1', { size: 1 })]);
      assert.notEqual(second.etag, first.etag, 'the same data written again is another version');
      assert.equal(await store.etag('disk-1'), second.etag);
      await store.apply([del('disk-1')]);
      assert.equal(await store.etag('disk-1'), undefined);
    });

    it('returns the stored form of each put in batch order', async () => {
      const store = await fresh();
      const stored = await store.apply([put('b', 1), del('zzz'), put('a', 2)]);
      assert.deepEqual(
        stored.map((r) => [r.key, r.data]),
        [
          ['b', 1],
          ['a', 2],
        ],
      );
      assert.deepEqual(await store.get('a'), stored[1]);
    });

    it('treats deleting an absent record without expectation as a no-op', async () => {
      const store = await fresh();
      await store.apply([del('nothing')]);
      assert.equal(await store.get('nothing'), undefined);
    });

    it('changes the etag on every put, even with identical data', async () => {
      const store = await fresh();
      const etags = new Set<string>();
      for (let i = 0; i < 5; i++) {
        const [stored] = await store.apply([put('vm', { same: true })]);
        etags.add(stored.etag);
      }
      assert.equal(etags.size, 5);
    });

    it('keeps seq on update and increases it on insert', async () => {
      const store = await fresh();
      const [a] = await store.apply([put('a', 1)]);
      const [b] = await store.apply([put('b', 1)]);
      assert.ok(b.seq > a.seq);
      const [a2] = await store.apply([put('a', 2)]);
      assert.equal(a2.seq, a.seq);
      const [c] = await store.apply([put('c', 1)]);
      assert.ok(c.seq > b.seq);
    });

    it('never reuses a seq, even of the newest deleted record', async () => {
      const store = await fresh();
      const [a] = await store.apply([put('a', 1)]);
      await store.apply([del('a')]);
      const [again] = await store.apply([put('a', 1)]);
      assert.ok(again.seq > a.seq);
    });

    it('gives records inserted in one batch increasing seqs in batch order', async () => {
      const store = await fresh();
      const [x, y, z] = await store.apply([put('x', 1), put('y', 1), put('z', 1)]);
      assert.ok(x.seq < y.seq && y.seq < z.seq);
    });

    describe('expectations', () => {
      it('absent: passes when missing, fails when present', async () => {
        const store = await fresh();
        await store.apply([{ ...put('a', 1), expect: { absent: true } }]);
        await assertFails(store.apply([{ ...put('a', 2), expect: { absent: true } }]), 'a', { absent: true });
        await assertFails(store.apply([{ ...del('a'), expect: { absent: true } }]), 'a', { absent: true });
        assert.equal((await store.get('a'))?.data, 1);
      });

      it('present: passes when present, fails when missing', async () => {
        const store = await fresh();
        await assertFails(store.apply([{ ...put('a', 1), expect: { present: true } }]), 'a', { present: true });
        await assertFails(store.apply([{ ...del('a'), expect: { present: true } }]), 'a', { present: true });
        assert.equal(await store.get('a'), undefined);
        await store.apply([put('a', 1)]);
        await store.apply([{ ...put('a', 2), expect: { present: true } }]);
        assert.equal((await store.get('a'))?.data, 2);
        await store.apply([{ ...del('a'), expect: { present: true } }]);
        assert.equal(await store.get('a'), undefined);
      });

      it('etag: passes on the current etag, fails on a stale one or a missing record', async () => {
        const store = await fresh();
        await assertFails(store.apply([{ ...put('a', 1), expect: { etag: 'x' } }]), 'a', { etag: 'x' });
        const [first] = await store.apply([put('a', 1)]);
        const [second] = await store.apply([{ ...put('a', 2), expect: { etag: first.etag } }]);
        const stale = { etag: first.etag };
        await assertFails(store.apply([{ ...put('a', 3), expect: stale }]), 'a', stale);
        await assertFails(store.apply([{ ...del('a'), expect: stale }]), 'a', stale);
        await store.apply([{ ...del('a'), expect: { etag: second.etag } }]);
        assert.equal(await store.get('a'), undefined);
      });

      it('are checked against the state as of that point in the batch', async () => {
        const store = await fresh();
        await store.apply([
          { ...put('a', 1), expect: { absent: true } },
          { ...put('a', 2), expect: { present: true } },
          { ...del('a'), expect: { present: true } },
          { ...put('a', 3), expect: { absent: true } },
        ]);
        assert.equal((await store.get('a'))?.data, 3);
        await assertFails(
          store.apply([
            del('a'),
            { ...put('b', 1), expect: { present: true } },
            { ...put('a', 4), expect: { present: true } },
          ]),
          'b',
          { present: true },
        );
        await assertFails(store.apply([put('c', 1), { ...put('c', 2), expect: { absent: true } }]), 'c', {
          absent: true,
        });
      });

      it('a failure leaves the whole batch unapplied', async () => {
        const store = await fresh();
        const [existing] = await store.apply([put('existing', 'before')]);
        await assertFails(
          store.apply([
            put('new', 1),
            put('existing', 'after'),
            del('doomed'),
            { ...put('guard', 1), expect: { present: true } },
          ]),
          'guard',
          { present: true },
        );
        assert.equal(await store.get('new'), undefined);
        assert.deepEqual(await store.get('existing'), existing);
        const [after] = await store.apply([put('later', 1)]);
        assert.deepEqual(await store.list({ limit: 10 }), [existing, after]);
      });

      it('a failure leaves earlier deletes of the batch unapplied', async () => {
        const store = await fresh();
        const [kept] = await store.apply([put('kept', 1)]);
        await assertFails(store.apply([del('kept'), { ...del('missing'), expect: { present: true } }]), 'missing', {
          present: true,
        });
        assert.deepEqual(await store.get('kept'), kept);
      });
    });

    describe('list', () => {
      async function seeded(): Promise<{ store: MetadataStore; all: StoredRecord[] }> {
        const store = await fresh();
        const all = await store.apply([
          put('s1/rg1/disk1', 1, { kind: 'disk', subscription: 's1', resourceGroup: 'rg1' }),
          put('s1/rg1/vm1', 2, { kind: 'vm', subscription: 's1', resourceGroup: 'rg1' }),
          put('s1/rg2/disk2', 3, { kind: 'disk', subscription: 's1', resourceGroup: 'rg2' }),
          put('s2/rg1/disk3', 4, { kind: 'disk', subscription: 's2', resourceGroup: 'rg1' }),
          put('s1/rg1/vm1/ext1', 5, { kind: 'ext', subscription: 's1', resourceGroup: 'rg1', parent: 's1/rg1/vm1' }),
          put('job1', 6, { kind: 'job', subscription: '', resourceGroup: null }),
        ]);
        return { store, all };
      }

      it('filters by kind, subscription, resource group and parent', async () => {
        const { store } = await seeded();
        assert.deepEqual(keys(await store.list({ kind: 'disk', limit: 10 })), [
          's1/rg1/disk1',
          's1/rg2/disk2',
          's2/rg1/disk3',
        ]);
        assert.deepEqual(keys(await store.list({ kind: 'disk', subscription: 's1', limit: 10 })), [
          's1/rg1/disk1',
          's1/rg2/disk2',
        ]);
        assert.deepEqual(
          keys(await store.list({ kind: 'disk', subscription: 's1', resourceGroup: 'rg1', limit: 10 })),
          ['s1/rg1/disk1'],
        );
        assert.deepEqual(keys(await store.list({ kind: 'disk', resourceGroup: 'rg1', limit: 10 })), [
          's1/rg1/disk1',
          's2/rg1/disk3',
        ]);
        assert.deepEqual(keys(await store.list({ parent: 's1/rg1/vm1', limit: 10 })), ['s1/rg1/vm1/ext1']);
        assert.deepEqual(keys(await store.list({ kind: 'job', subscription: '', limit: 10 })), ['job1']);
        assert.deepEqual(await store.list({ kind: 'nothing', limit: 10 }), []);
      });

      it('lists every kind when kind is absent', async () => {
        const { store, all } = await seeded();
        assert.deepEqual(await store.list({ limit: 100 }), all);
        assert.deepEqual(keys(await store.list({ subscription: 's1', resourceGroup: 'rg1', limit: 100 })), [
          's1/rg1/disk1',
          's1/rg1/vm1',
          's1/rg1/vm1/ext1',
        ]);
      });

      it('orders by seq, not by key or last update', async () => {
        const store = await fresh();
        await store.apply([put('c', 1), put('a', 1), put('b', 1)]);
        await store.apply([put('c', 2)]);
        assert.deepEqual(keys(await store.list({ kind: 'thing', limit: 10 })), ['c', 'a', 'b']);
      });

      it('pages with afterSeq and limit', async () => {
        const store = await fresh();
        const all = await store.apply(Array.from({ length: 7 }, (_, i) => put(`r${i}`, i)));
        const first = await store.list({ kind: 'thing', limit: 3 });
        assert.deepEqual(first, all.slice(0, 3));
        const second = await store.list({ kind: 'thing', limit: 3, afterSeq: first[2].seq });
        assert.deepEqual(second, all.slice(3, 6));
        const third = await store.list({ kind: 'thing', limit: 3, afterSeq: second[2].seq });
        assert.deepEqual(third, all.slice(6));
        assert.deepEqual(await store.list({ kind: 'thing', limit: 3, afterSeq: all[6].seq }), []);
      });

      it('pages stably while records are inserted and updated between pages', async () => {
        const store = await fresh();
        const original = await store.apply(Array.from({ length: 10 }, (_, i) => put(`r${i}`, i)));
        const seen: string[] = [];
        let afterSeq: number | undefined;
        for (let page = 0; ; page++) {
          const records = await store.list({ kind: 'thing', limit: 3, afterSeq });
          if (records.length === 0) break;
          seen.push(...keys(records));
          afterSeq = records[records.length - 1].seq;
          if (page < 3) {
            await store.apply([put(`new${page}`, page), put('r0', 'updated'), put('r9', `updated ${page}`)]);
          }
        }
        assert.equal(new Set(seen).size, seen.length, `duplicates in ${seen.join(',')}`);
        for (const record of original) assert.ok(seen.includes(record.key), `${record.key} skipped`);
      });
    });

    /** Runs `attempts` batches at once, spread over three handles whose connections are warmed up. */
    async function race(store: MetadataStore, attempts: (i: number) => Write[]): Promise<number[]> {
      const stores = [store, await connect(), await connect()];
      await Promise.all(stores.flatMap((s) => Array.from({ length: 4 }, () => s.get('warm-up'))));
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) => stores[i % stores.length].apply(attempts(i))),
      );
      for (const r of results) {
        if (r.status === 'rejected') assert.ok(r.reason instanceof ExpectationFailedError, String(r.reason));
      }
      return results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    }

    it('lets exactly one of concurrent absent-guarded inserts win', async () => {
      const store = await fresh();
      const winners = await race(store, (i) => [
        { ...put(`side-${i}`, i), expect: { absent: true } },
        { ...put('contended', i), expect: { absent: true } },
      ]);
      assert.equal(winners.length, 1);
      assert.equal((await store.get('contended'))?.data, winners[0]);
      assert.deepEqual(keys(await store.list({ limit: 100 })), [`side-${winners[0]}`, 'contended']);
    });

    it('lets exactly one of concurrent etag-guarded updates win', async () => {
      const store = await fresh();
      const [initial] = await store.apply([put('counter', 0)]);
      const winners = await race(store, (i) => [
        put(`side-${i}`, i),
        { ...put('counter', i), expect: { etag: initial.etag } },
      ]);
      assert.equal(winners.length, 1);
      assert.equal((await store.get('counter'))?.data, winners[0]);
      assert.equal(await store.get(`side-${(winners[0] + 1) % 12}`), undefined);
    });

    it('applies every concurrent batch that writes the same keys in opposite orders', async () => {
      const store = await fresh();
      const winners = await race(store, (i) => (i % 2 ? [put('x', i), put('y', i)] : [put('y', i), put('x', i)]));
      assert.equal(winners.length, 12);
    });

    it('round-trips JSON data', async () => {
      const store = await fresh();
      const data = {
        name: 'déjà vu ✓ 日本語 🚀 "quoted" \\ back\nslash',
        nested: { deep: { list: [1, 2.5, -3, true, false, null, 'x', { y: [] }] }, empty: {} },
        big: Number.MAX_SAFE_INTEGER,
        tags: { ключ: 'значение' },
      };
      const [stored] = await store.apply([put('json', data)]);
      assert.deepEqual(stored.data, data);
      assert.deepEqual((await store.get('json'))?.data, data);
      assert.deepEqual((await store.list({ kind: 'thing', limit: 1 }))[0].data, data);
      await store.apply([put('scalar', 'just a string'), put('array', [1, 'two']), put('null', null)]);
      assert.equal((await store.get('scalar'))?.data, 'just a string');
      assert.deepEqual((await store.get('array'))?.data, [1, 'two']);
      assert.equal((await store.get('null'))?.data, null);
    });

    describe('due records', () => {
      const due = (key: string, lane: string, at: number, kind = 'job') =>
        put(key, { key, lane, at }, { kind, subscription: '', resourceGroup: null, due: { lane, at } });
      const taking =
        (now: number, lanes = ['build', 'copy'], kind = 'job') =>
        <T>(): DueClaim<T> => ({
          kind,
          lanes,
          now,
          take: (found) => ({ ...found, due: { lane: found.due!.lane, at: now + 60_000 }, data: 'taken' as T }),
        });

      it("keeps a record's lane and due time, lists a lane, and drops them when put without", async () => {
        const store = await fresh();
        const [stored] = await store.apply([due('j1', 'build', 1000), due('j2', 'copy', 500), put('plain', 1)]);
        assert.deepEqual(stored.due, { lane: 'build', at: 1000 });
        assert.deepEqual((await store.get('j1'))?.due, { lane: 'build', at: 1000 });
        assert.deepEqual(keys(await store.list({ kind: 'job', lane: 'copy', limit: 10 })), ['j2']);
        assert.equal((await store.get('plain'))?.due, undefined);
        await store.apply([put('j1', 'done', { kind: 'job', subscription: '', resourceGroup: null })]);
        assert.equal((await store.get('j1'))?.due, undefined);
        assert.equal(await store.claimDue(taking(5000, ['build'])()), undefined);
        assert.deepEqual(keys(await store.list({ lane: 'build', limit: 10 })), []);
      });

      it('claims the record due longest (then the oldest), only once it is due, in the lanes asked', async () => {
        const store = await fresh();
        await store.apply([
          due('later', 'build', 3000),
          due('other-lane', 'scan', 100),
          due('other-kind', 'build', 100, 'thing'),
          due('first-b', 'copy', 1000),
          due('first-a', 'build', 1000),
          due('earliest', 'copy', 900),
        ]);
        const claim = taking(2000);
        const first = await store.claimDue<string>(claim());
        assert.equal(first?.key, 'earliest');
        assert.equal(first?.data, 'taken');
        assert.deepEqual(first?.due, { lane: 'copy', at: 62_000 });
        assert.deepEqual(await store.get('earliest'), first);
        assert.equal((await store.claimDue(claim()))?.key, 'first-b', 'equal due times go by seq');
        assert.equal((await store.claimDue(claim()))?.key, 'first-a');
        assert.equal(await store.claimDue(claim()), undefined, 'later is not due, the others are not asked for');
        assert.equal((await store.claimDue(taking(3000)()))?.key, 'later');
        assert.equal((await store.claimDue(taking(5000, ['scan'])()))?.key, 'other-lane');
      });

      it('finds a due record behind many that are not due or in other lanes', async () => {
        const store = await fresh();
        const blockers = Array.from({ length: 400 }, (_, i) =>
          i % 2 ? due(`leased-${i}`, 'build', 10_000 + i) : due(`unserved-${i}`, 'scan', i),
        );
        for (let i = 0; i < blockers.length; i += 100) await store.apply(blockers.slice(i, i + 100));
        await store.apply([due('newest', 'build', 5000)]);
        assert.equal((await store.claimDue(taking(6000)()))?.key, 'newest');
      });

      it('gives each due record to exactly one of many concurrent claimers, across handles', async () => {
        const store = await fresh();
        const other = await connect();
        await store.apply(Array.from({ length: 20 }, (_, i) => due(`job-${i}`, 'build', i)));
        const claims = await Promise.all(
          Array.from({ length: 40 }, (_, i) => (i % 2 ? store : other).claimDue(taking(1000)())),
        );
        const claimed = claims.flatMap((c) => (c ? [c.key] : []));
        assert.equal(claimed.length, 20);
        assert.equal(new Set(claimed).size, 20);
      });

      it('changes the etag of the record it claims, so a writer holding the old one fails', async () => {
        const store = await fresh();
        const [before] = await store.apply([due('job', 'build', 0)]);
        const claimed = await store.claimDue(taking(1)());
        assert.notEqual(claimed?.etag, before.etag);
        assert.equal(claimed?.seq, before.seq);
        await assertFails(store.apply([{ ...due('job', 'build', 0), expect: { etag: before.etag } }]), 'job', {
          etag: before.etag,
        });
      });

      it('refuses a claim that would store another record in its place', async () => {
        const store = await fresh();
        await store.apply([due('job', 'build', 0)]);
        await assert.rejects(
          store.claimDue({ kind: 'job', lanes: ['build'], now: 1, take: (found) => ({ ...found, key: 'elsewhere' }) }),
          /same record/,
        );
        assert.deepEqual((await store.get('job'))?.due, { lane: 'build', at: 0 });
        assert.equal(await store.get('elsewhere'), undefined);
      });

      it('tells its watchers when a batch puts a record that is due', async () => {
        const store = await fresh();
        let told = 0;
        const stop = store.watchDue(() => told++);
        await store.apply([due('now', 'build', Date.now() - 1)]);
        await waitFor(() => told > 0, 'a watcher was told of the due record');
        stop();
        const seen = told;
        await store.apply([due('again', 'build', Date.now() - 1)]);
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.equal(told, seen, 'a stopped watcher hears nothing more');
      });
    });

    it('persists across close and reopen', async () => {
      const store = await fresh();
      const written = await store.apply([
        put('kept', { v: 1 }, { kind: 'disk', subscription: 's', resourceGroup: 'rg', parent: 'p' }),
        put('gone', 1),
      ]);
      await store.apply([del('gone')]);
      await close(store);
      const reopened = await connect();
      assert.deepEqual(await reopened.get('kept'), written[0]);
      assert.equal(await reopened.get('gone'), undefined);
      const [next] = await reopened.apply([put('next', 1)]);
      assert.ok(next.seq > written[1].seq, 'seq continues after reopen');
    });
  });
}

interface Placement {
  kind?: string;
  subscription?: string;
  resourceGroup?: string | null;
  parent?: string | null;
  due?: { lane: string; at: number };
}

function record(key: string, data: unknown, placement: Placement = {}): NewRecord {
  return { key, kind: 'thing', subscription: 'sub', resourceGroup: 'rg', parent: null, ...placement, data };
}

function put(key: string, data: unknown, placement?: Placement): Write & { op: 'put' } {
  return { op: 'put', record: record(key, data, placement) };
}

function del(key: string): Write & { op: 'delete' } {
  return { op: 'delete', key };
}

function keys(records: StoredRecord[]): string[] {
  return records.map((r) => r.key);
}

function withoutVersion({ etag, seq, ...rest }: StoredRecord): NewRecord {
  assert.equal(typeof etag, 'string');
  assert.ok(etag.length > 0);
  assert.ok(Number.isSafeInteger(seq) && seq > 0, `seq ${seq}`);
  return rest;
}

/** Waits up to 5 s for `done`, for what a store tells asynchronously. */
export async function waitFor(done: () => boolean, what: string): Promise<void> {
  for (const start = Date.now(); !done(); await new Promise((resolve) => setTimeout(resolve, 20))) {
    if (Date.now() - start > 5000) assert.fail(`within 5 s: ${what}`);
  }
}

async function assertFails(promise: Promise<unknown>, key: string, expectation: unknown): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ExpectationFailedError, String(error));
    assert.equal(error.key, key);
    assert.deepEqual(error.expectation, expectation);
    return true;
  });
}
