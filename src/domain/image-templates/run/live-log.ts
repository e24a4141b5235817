/**
 * Where a run's customization.log lives while the run goes: in the template's region store, shared by
 * every node, as numbered segments `imagetemplates/<run id>/live/<offset>`. Each segment is a sealed
 * blob holding the lines one flush wrote (live-log-writer.ts), named by the byte offset in the whole
 * log where it starts, zero-padded so that name order is log order.
 *
 * Invariants:
 * - The segments are contiguous from offset 0: a writer puts its segment at the end it knows, and a
 *   put never replaces a blob, so of two writers at one offset one fails and looks for the new end.
 *   No gap, no overlap, and every segment ends with a whole line.
 * - Segments never change once written, so what a process has seen of a run's segments stays true;
 *   it keeps that (`tables`, per store) and learns the rest from its end: one `stat` tells a caught-up
 *   reader there is nothing new, and a listing is needed only by one far behind.
 * - The sealed log (`sealLiveLog`) is the segments' bytes in order, at the same offsets, so a reader
 *   can go on in it where the segments left off.
 */
import { Readable } from 'node:stream';
import type { BlobInfo, BlobStore } from '../../../ports/blob-store.ts';
import { readAll } from '../../disks/disk-source.ts';

/** The folder of a run's segments in its region. */
export const liveLogPrefix = (runId: string) => `imagetemplates/${runId}/live/`;
export const segmentKey = (runId: string, start: number) => `${liveLogPrefix(runId)}${String(start).padStart(15, '0')}`;

interface Segment {
  key: string;
  start: number;
  size: number;
}

/** A run's segments known to this process, contiguous from 0; `end` is where the next one starts. */
interface SegmentTable {
  segments: Segment[];
  end: number;
}

/** Runs whose segments a process keeps per store, the oldest dropped first: readers of running builds. */
const TABLES_KEPT = 256;
/** New segments looked for one by one before listing the rest at once. */
const WALK = 8;
/** Segments read ahead of the one being streamed into the sealed log. */
const SEAL_AHEAD = 8;

const tables = new WeakMap<BlobStore, Map<string, SegmentTable>>();

function tableOf(store: BlobStore, runId: string): SegmentTable {
  let runs = tables.get(store);
  if (!runs) tables.set(store, (runs = new Map()));
  let table = runs.get(runId);
  if (!table) {
    if (runs.size >= TABLES_KEPT) runs.delete(runs.keys().next().value!);
    runs.set(runId, (table = { segments: [], end: 0 }));
  }
  return table;
}

/** Adds the segment starting at the table's end; one found by another look meanwhile is not added twice. */
function extend(table: SegmentTable, runId: string, start: number, size: number): boolean {
  if (start !== table.end || size === 0) return false;
  table.segments.push({ key: segmentKey(runId, start), start, size });
  table.end += size;
  return true;
}

/** Tells this process's readers of a segment its writer has just put. */
export function noteSegment(store: BlobStore, runId: string, start: number, size: number): void {
  extend(tableOf(store, runId), runId, start, size);
}

/** The run's segments as far as they go now. */
export async function liveSegments(store: BlobStore, runId: string): Promise<SegmentTable> {
  const table = tableOf(store, runId);
  for (let looked = 0; looked < WALK; looked++) {
    const start = table.end;
    const info = await store.stat(segmentKey(runId, start));
    if (!info) return table;
    extend(table, runId, start, info.size);
  }
  // Far behind (a first look at a long log): one listing gives the rest, in name order, which is log order.
  const prefix = liveLogPrefix(runId);
  for (const info of await store.list(prefix)) {
    const start = Number(info.key.slice(prefix.length));
    if (start > table.end) break;
    extend(table, runId, start, info.size);
  }
  return table;
}

/** Forgets a run whose log is sealed. */
export function forgetLiveLog(store: BlobStore, runId: string): void {
  tables.get(store)?.delete(runId);
}

export interface LiveLogRange {
  content: Readable;
  bytes: number;
  nextOffset: number;
}

/**
 * The live log from `offset`, to where it ends now or as far as whole segments within `maxBytes` go
 * (at least part of one), so an answer ends where a segment does and the next read starts on one.
 * `sealed` is asked for the rest of the range when a segment went while it was streamed (the run
 * ended and its segments were deleted), since the sealed log holds the same bytes at the same offsets.
 */
export async function readLiveLog(
  store: BlobStore,
  runId: string,
  offset: number,
  options: { maxBytes?: number; sealed?: (start: number, end: number) => Promise<Readable | undefined> } = {},
): Promise<LiveLogRange> {
  const { segments, end } = await liveSegments(store, runId);
  const limit = Math.min(end, offset + (options.maxBytes ?? Infinity));
  // Each part is a segment's bytes from `from` to before `to`, offsets in the whole log.
  const parts: Array<{ segment: Segment; from: number; to: number }> = [];
  for (const segment of segments) {
    const segmentEnd = segment.start + segment.size;
    if (segmentEnd <= offset) continue;
    const from = Math.max(offset, segment.start);
    const to = Math.min(segmentEnd, limit);
    if (from >= to || (parts.length > 0 && to < segmentEnd)) break;
    parts.push({ segment, from, to });
  }
  const last = parts.at(-1)?.to ?? offset;
  async function* bytes(): AsyncGenerator<Buffer> {
    let at = offset;
    try {
      for (const { segment, from, to } of parts)
        for await (const chunk of store.read(segment.key, {
          start: from - segment.start,
          end: to - segment.start - 1,
        })) {
          at += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
    } catch (error) {
      const rest = await options.sealed?.(at, last);
      if (!rest) throw error;
      yield* rest;
    }
  }
  return { content: Readable.from(bytes(), { objectMode: false }), bytes: last - offset, nextOffset: last };
}

/**
 * Puts the run's segments, in order, into the sealed blob `key` (replacing one a retried end put
 * before). Segments are read a few ahead, so many small ones do not cost a round trip each in turn.
 */
export async function sealLiveLog(store: BlobStore, runId: string, key: string): Promise<BlobInfo> {
  const { segments } = await liveSegments(store, runId);
  async function* inOrder(): AsyncGenerator<Buffer> {
    const reads: Promise<Buffer>[] = [];
    let next = 0;
    const readAhead = () => {
      while (next < segments.length && reads.length < SEAL_AHEAD) {
        const read = readAll(store.read(segments[next++].key));
        // Awaited in turn below; until then a failure must not count as unhandled.
        read.catch(() => undefined);
        reads.push(read);
      }
    };
    readAhead();
    while (reads.length > 0) {
      const segment = await reads.shift()!;
      readAhead();
      yield segment;
    }
  }
  const sealed = await store.put(key, Readable.from(inOrder(), { objectMode: false }), { overwrite: true });
  forgetLiveLog(store, runId);
  return sealed;
}
