/**
 * Appends to a run's live log (live-log.ts) in batches: what is written goes into memory and out as
 * one segment at most a second (or the writer's `flushMs`) after it came, or at once when 64 KiB are waiting, so a chatty script
 * costs a segment per 64 KiB, a quiet one at most a segment a second, and a reader on any node sees a
 * line within about a second. A segment takes whole writes (the build log writes whole lines) up to
 * 1 MiB. Puts go one at a time, in order.
 *
 * A writer starts at the end of what earlier writers (a killed attempt, the build before the run's
 * end) left, and finding its offset taken (another attempt wrote there meanwhile) it looks for the
 * new end and puts there, so two writers never overwrite each other. A put that failed is tried again
 * at the next flush, holding its lines (bounded by the log's cap, build-log.ts); `close` puts
 * everything still held and throws when the store keeps refusing.
 */
import { createHash } from 'node:crypto';
import type { BlobStore } from '../../../ports/blob-store.ts';
import { liveSegments, noteSegment, segmentKey } from './live-log.ts';

const FLUSH_MS = 1000;
const FLUSH_BYTES = 64 * 1024;
const SEGMENT_BYTES = 1024 * 1024;
/** Puts `close` makes of what is held before giving up, a second apart. */
const CLOSE_TRIES = 5;

export interface LiveLogWriter {
  /** Bytes the log held when this writer opened it. */
  readonly size: number;
  write(text: string): void;
  /** Puts what is held; the writer takes no more writes. */
  close(): Promise<void>;
}

/**
 * Opens the run's live log in `store` (its template's region) to append to it. `flushMs` is how late
 * a line may reach readers: a second by default, which bounds a chatty shared store's puts; `kiln
 * build`, which prints its own run's lines as they come, asks for less.
 */
export async function openLiveLog(store: BlobStore, runId: string, flushMs = FLUSH_MS): Promise<LiveLogWriter> {
  let end = (await liveSegments(store, runId)).end;
  const size = end;
  let held: Buffer[] = [];
  let heldBytes = 0;
  let timer: NodeJS.Timeout | undefined;
  /** The one put in flight, with what follows it; puts never overlap, so segments go in order. */
  let putting: Promise<void> | undefined;
  let closed = false;

  const later = () => {
    if (timer || putting || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (!putting && !closed) startPut();
    }, flushMs);
  };

  /** Puts what is held; then puts again at once if 64 KiB are waiting, else within a second if anything is. */
  function startPut(): void {
    putting = putNext()
      .then(
        () => true,
        () => false,
      )
      .then((done) => {
        putting = undefined;
        // After close, `close` puts the rest itself.
        if (closed) return;
        if (done && heldBytes >= FLUSH_BYTES) startPut();
        else if (heldBytes > 0) later();
      });
  }

  /** Puts the oldest held writes, up to a segment's worth, at the log's end. */
  async function putNext(): Promise<void> {
    if (held.length === 0) return;
    let count = 0;
    let bytes = 0;
    while (count < held.length && (count === 0 || bytes + held[count].length <= SEGMENT_BYTES))
      bytes += held[count++].length;
    const body = Buffer.concat(held.slice(0, count), bytes);
    for (;;) {
      const key = segmentKey(runId, end);
      try {
        await store.put(key, body);
        break;
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'BlobAlreadyExists') throw error;
        // Our own put whose answer was lost, or another writer's segment: then append after it.
        const there = await store.stat(key);
        if (there?.sha256 === createHash('sha256').update(body).digest('hex') && there.size === bytes) break;
        end = (await liveSegments(store, runId)).end;
      }
    }
    noteSegment(store, runId, end, bytes);
    end += bytes;
    held = held.slice(count);
    heldBytes -= bytes;
  }

  return {
    size,
    write(text) {
      if (closed) throw new Error(`The live log of run ${runId} is closed.`);
      const bytes = Buffer.from(text);
      held.push(bytes);
      heldBytes += bytes.length;
      if (putting) return;
      if (heldBytes < FLUSH_BYTES) return later();
      clearTimeout(timer);
      timer = undefined;
      startPut();
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      while (putting) await putting;
      for (let tries = 1; held.length > 0; tries++) {
        try {
          await putNext();
        } catch (error) {
          if (tries >= CLOSE_TRIES) throw error;
          await new Promise((resolve) => setTimeout(resolve, FLUSH_MS));
        }
      }
    },
  };
}
