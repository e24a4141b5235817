// Kept GET answers (http/arm/rendered-records.ts) against a store whose etags the test sets: an
// answer is given again only while the record's etag is the one it was rendered from; the calls of
// one turn of the event loop share one etag read, made after the last of them arrived; a failed read
// fails its calls; the answers kept are bounded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderedRecords } from '../../src/http/arm/rendered-records.ts';
import type { MetadataStore, StoredRecord } from '../../src/ports/metadata-store.ts';

function setup() {
  const etags = new Map<string, string>();
  let etagReads = 0;
  let fullReads = 0;
  let failing: Error | undefined;
  const store = {
    async etag(key: string) {
      etagReads += 1;
      if (failing) throw failing;
      return etags.get(key);
    },
  } as unknown as MetadataStore;
  const kept = renderedRecords(store);
  /** The record as stored now: its resource names its etag, so an answer shows which version it came from. */
  const read = (key: string) => async () => {
    fullReads += 1;
    const etag = etags.get(key)!;
    return { key, etag, data: { resource: { version: etag } } } as StoredRecord<{ resource: unknown }>;
  };
  const answer = (key: string) => kept.answer(key, read(key), (resource) => JSON.stringify(resource));
  return {
    etags,
    answer,
    counts: () => ({ etagReads, fullReads }),
    fail: (error?: Error) => (failing = error),
  };
}

describe('rendered records', () => {
  it('answers again from the kept text while the etag holds, and renders again once it changes', async () => {
    const { etags, answer, counts } = setup();
    etags.set('/a', 'e1');
    assert.deepEqual(await answer('/a'), { text: '{"version":"e1"}', etag: 'e1' });
    assert.deepEqual(await answer('/a'), { text: '{"version":"e1"}', etag: 'e1' });
    assert.deepEqual(counts(), { etagReads: 1, fullReads: 1 });
    etags.set('/a', 'e2');
    assert.deepEqual(await answer('/a'), { text: '{"version":"e2"}', etag: 'e2' });
    assert.deepEqual(counts(), { etagReads: 2, fullReads: 2 });
  });

  it('reads the etag once for the calls of a turn, after the last of them arrived', async () => {
    const { etags, answer, counts } = setup();
    etags.set('/a', 'e1');
    etags.set('/b', 'b1');
    await Promise.all([answer('/a'), answer('/b')]);
    const before = counts();
    const calls = [answer('/a'), answer('/a'), answer('/b'), answer('/a')];
    // A change made in the same turn, after the calls arrived: every one of them sees it.
    etags.set('/a', 'e2');
    const answers = await Promise.all(calls);
    assert.deepEqual(
      answers.map((a) => a.text),
      ['{"version":"e2"}', '{"version":"e2"}', '{"version":"b1"}', '{"version":"e2"}'],
    );
    assert.equal(counts().etagReads - before.etagReads, 2, 'one read per record for the turn');
  });

  it('fails the calls of a turn whose etag read fails, and reads again in the next', async () => {
    const { etags, answer, fail } = setup();
    etags.set('/a', 'e1');
    await answer('/a');
    fail(new Error('store down'));
    await assert.rejects(Promise.all([answer('/a'), answer('/a')]), /store down/);
    fail(undefined);
    assert.equal((await answer('/a')).etag, 'e1');
  });

  it('keeps at most 10,000 answers, dropping the oldest', async () => {
    const { etags, answer, counts } = setup();
    for (let i = 0; i <= 10_000; i += 1) etags.set(`/r${i}`, 'e');
    for (let i = 0; i <= 10_000; i += 1) await answer(`/r${i}`);
    const filled = counts().fullReads;
    await answer('/r10000');
    await answer('/r1');
    assert.equal(counts().fullReads, filled, 'the newest are kept');
    await answer('/r0');
    assert.equal(counts().fullReads, filled + 1, 'the oldest was dropped');
  });
});
