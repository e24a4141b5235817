// A run's live log in a region store (domain/image-templates/run/live-log*.ts): batched into few
// segments, read by range from another node's store object while it is written, continued by a second
// writer (a taken-over attempt) without overwriting, sealed into one blob with the same bytes, and a
// read that loses its segments to the seal going on in the sealed blob.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAzureBlobStore } from '../../src/adapters/azure-blob-store.ts';
import { createFsBlobStore } from '../../src/adapters/fs-blob-store.ts';
import { readAll } from '../../src/domain/disks/disk-source.ts';
import { liveLogPrefix, readLiveLog, sealLiveLog } from '../../src/domain/image-templates/run/live-log.ts';
import { openLiveLog, type LiveLogWriter } from '../../src/domain/image-templates/run/live-log-writer.ts';
import type { BlobStore } from '../../src/ports/blob-store.ts';
import { startAzurite, type Azurite } from '../support/azurite.ts';

let azurite: Azurite;
before(async () => {
  azurite = await startAzurite();
});
after(() => azurite?.stop());

/** Two nodes' views of one Azure container: what one writes, the other reads. */
function twoNodes(): [BlobStore, BlobStore] {
  const settings = { connectionString: azurite.connectionString, container: `live-${randomUUID()}` };
  return [createAzureBlobStore('westus', settings), createAzureBlobStore('westus', settings)];
}

const line = (i: number, width = 60) => `${`line ${i} `.padEnd(width, '.')}\n`;
const text = async (store: BlobStore, runId: string, offset = 0, maxBytes?: number) => {
  const range = await readLiveLog(store, runId, offset, { maxBytes });
  const bytes = await readAll(range.content);
  assert.equal(bytes.length, range.bytes, 'the answer holds the bytes it announced');
  return { text: bytes.toString(), nextOffset: range.nextOffset };
};
/** What a follower at `offset` reads next, once there is something: within about a second of its writing. */
async function nextLines(store: BlobStore, runId: string, offset: number) {
  const started = Date.now();
  for (;;) {
    const read = await text(store, runId, offset);
    if (read.text !== '') {
      assert.ok(Date.now() - started < 3000, `lines took ${Date.now() - started} ms to show`);
      return read;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Writes `count` lines at once and closes the writer; returns what it wrote. */
async function writeAndClose(writer: LiveLogWriter, count: number): Promise<string> {
  let written = '';
  for (let i = 0; i < count; i++) {
    writer.write(line(i));
    written += line(i);
  }
  await writer.close();
  return written;
}
const segments = async (store: BlobStore, runId: string) => (await store.list(liveLogPrefix(runId))).length;

describe('live customization log', () => {
  it('batches writes: a quiet log one segment a second, a chatty one one per 64 KiB', async () => {
    const [store] = twoNodes();
    const quiet = await openLiveLog(store, 'quiet');
    for (let i = 0; i < 50; i++) quiet.write(line(i));
    await quiet.close();
    assert.equal(await segments(store, 'quiet'), 1, '50 lines written at once are one segment');

    const written = await writeAndClose(await openLiveLog(store, 'chatty'), 8000);
    const count = await segments(store, 'chatty');
    assert.ok(count >= 2 && count <= Math.ceil(Buffer.byteLength(written) / (64 * 1024)) + 1, `${count} segments`);
    assert.equal((await text(store, 'chatty')).text, written, 'every line, in order');
  });

  it('puts lines as often as its writer asks (kiln build follows its own run every 100 ms)', async () => {
    const [store] = twoNodes();
    const spaced = async (runId: string, flushMs?: number) => {
      const writer = await openLiveLog(store, runId, flushMs);
      writer.write(line(1));
      await new Promise((resolve) => setTimeout(resolve, 300));
      writer.write(line(2));
      await writer.close();
      return segments(store, runId);
    };
    assert.equal(await spaced('default'), 1, 'within its second, both lines went out as one segment');
    assert.equal(await spaced('fast', 50), 2, 'the first line went out before the second came');
    assert.equal((await text(store, 'fast')).text, line(1) + line(2));
  });

  it("serves another node's lines by range while they are written, a second after at most", async () => {
    const [writerNode, readerNode] = twoNodes();
    const writer = await openLiveLog(writerNode, 'run');
    writer.write(line(1));
    writer.write(line(2));
    assert.equal((await text(readerNode, 'run')).text, '', 'nothing flushed yet');
    const first = await nextLines(readerNode, 'run', 0);
    assert.equal(first.text, line(1) + line(2), 'flushed within a second, unclosed');
    writer.write(line(3));
    const next = await nextLines(readerNode, 'run', first.nextOffset);
    assert.equal(next.text, line(3), 'a follower gets only what is new');
    assert.equal((await text(readerNode, 'run', next.nextOffset)).text, '', 'and nothing once caught up');
    // A range starting inside a segment, and one cut by maxBytes, which ends where a segment does.
    assert.equal((await text(readerNode, 'run', 10)).text, (line(1) + line(2) + line(3)).slice(10));
    // Lines 1 and 2 are one segment (122 bytes), line 3 the next (61).
    assert.equal((await text(readerNode, 'run', 0, 70)).text, (line(1) + line(2)).slice(0, 70), 'a first segment cut');
    const whole = await text(readerNode, 'run', 0, 150);
    assert.equal(whole.text, line(1) + line(2), 'later segments only whole');
    assert.equal(whole.nextOffset, 122);
    await writer.close();
  });

  it('continues after a dead writer, and two writers at one end never overwrite each other', async () => {
    const [store, survivor] = twoNodes();
    // The node that dies: its puts go out until then, and none ever answers after.
    let alive = true;
    const dead: BlobStore = {
      ...store,
      put: (...args) => (alive ? store.put(...args) : new Promise(() => undefined)),
    };
    const first = await openLiveLog(dead, 'taken');
    first.write(line(1));
    await nextLines(survivor, 'taken', 0);
    alive = false;
    first.write('held in memory when the node died\n');
    const second = await openLiveLog(survivor, 'taken');
    assert.equal(second.size, line(1).length, 'the new attempt starts at the end of what was flushed');
    second.write('attempt 2\n');
    await second.close();
    assert.equal((await text(survivor, 'taken')).text, `${line(1)}attempt 2\n`);

    // Two writers that both think the log ends at the same place: the second to put looks for the new end.
    const a = await openLiveLog(store, 'race');
    const b = await openLiveLog(survivor, 'race');
    a.write('from a\n');
    b.write('from b\n');
    await Promise.all([a.close(), b.close()]);
    const both = (await text(store, 'race')).text;
    assert.ok(both === 'from a\nfrom b\n' || both === 'from b\nfrom a\n', both);
  });

  it('seals the segments into one blob of the same bytes; a read losing its segments goes on there', async () => {
    const [writerNode, readerNode] = twoNodes();
    const written = await writeAndClose(await openLiveLog(writerNode, 'sealed'), 3000);
    const sealed = await sealLiveLog(writerNode, 'sealed', 'imagetemplates/sealed/customization.log');
    assert.equal(sealed.size, Buffer.byteLength(written));
    assert.equal((await readAll(writerNode.read(sealed.key))).toString(), written);

    // The reader planned its answer from the segments, which go before it streams them.
    const range = await readLiveLog(readerNode, 'sealed', 100, {
      sealed: async (start, end) => readerNode.read(sealed.key, { start, end: end - 1 }),
    });
    for (const blob of await writerNode.list(liveLogPrefix('sealed'))) await writerNode.delete(blob.key);
    assert.equal((await readAll(range.content)).toString(), written.slice(100, range.nextOffset));
    assert.equal(range.nextOffset, Buffer.byteLength(written));
  });

  it('works the same on a folder store', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiln-live-log-'));
    try {
      const store = createFsBlobStore('westus', dir);
      const writer = await openLiveLog(store, 'local');
      writer.write(line(1));
      await writer.close();
      const again = await openLiveLog(store, 'local');
      again.write(line(2));
      await again.close();
      assert.equal((await text(store, 'local')).text, line(1) + line(2));
      const sealed = await sealLiveLog(store, 'local', 'imagetemplates/local/customization.log');
      assert.equal((await readAll(store.read(sealed.key))).toString(), line(1) + line(2));
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('does not write an empty segment or anything after close', async () => {
    const [store] = twoNodes();
    const writer = await openLiveLog(store, 'empty');
    await writer.close();
    assert.equal(await segments(store, 'empty'), 0);
    assert.throws(() => writer.write('late\n'), /closed/);
  });
});
