/**
 * The run's customization.log: while the run goes it is the live log in the template's region store
 * (run/live-log.ts: segments any node reads, whichever node builds); when the run ends it is sealed
 * into one blob there. Readers pass the offset they have read up to, so `logs --follow` gets only
 * what is new, from any node, before and after the end alike (the sealed blob holds the same bytes
 * at the same offsets).
 *
 * Invariants: a read is a byte range streamed from the segments or blob, never the whole log in
 * memory (a log can be far larger than the server's memory: it is capped by `build.logMaxMiB`, logs
 * of older versions were not); the range is fixed when the read starts, so `nextOffset` is exactly
 * where the answer ends; `complete` is true only once the run has ended and the answer reaches the
 * end of its log.
 */
import { Readable } from 'node:stream';
import { ArmError } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import { readAll } from '../disks/disk-source.ts';
import type { ImageTemplateRecord } from './image-template.ts';
import { getTemplate, type TemplateRef } from './operations.ts';
import { readLiveLog } from './run/live-log.ts';

export interface CustomizationLogRange {
  content: Readable;
  /** Bytes `content` holds. */
  bytes: number;
  nextOffset: number;
  complete: boolean;
}

/** What `readCustomizationLog` reads per call when not told otherwise. */
const TEXT_CHUNK = 1024 * 1024;

/** The log from `offset` on (at most `maxBytes` of it when given), as a stream. */
export async function openCustomizationLog(
  ctx: DomainContext,
  ref: TemplateRef,
  offset: number,
  options: { maxBytes?: number } = {},
): Promise<CustomizationLogRange> {
  const record = await getTemplate(ctx, ref);
  const log = record.data.internal.log;
  const running = ['Running', 'Canceling'].includes(record.data.resource.properties.lastRunStatus?.runState ?? '');
  const end = (size: number) => Math.min(size, offset + (options.maxBytes ?? Infinity));
  const nothing = (complete: boolean): CustomizationLogRange => ({
    content: Readable.from([]),
    bytes: 0,
    nextOffset: offset,
    complete,
  });
  if (log?.blob) {
    const store = ctx.regions.get(log.blob.region);
    const info = await store?.stat(log.blob.key);
    if (store && info) {
      if (offset >= info.size) return nothing(true);
      const last = end(info.size);
      return {
        content: store.read(log.blob.key, { start: offset, end: last - 1 }),
        bytes: last - offset,
        nextOffset: last,
        complete: last === info.size,
      };
    }
  }
  const store = ctx.regions.get(record.data.resource.location);
  const runId = record.data.internal.runId;
  if (running && store && runId) {
    const live = await readLiveLog(store, runId, offset, {
      maxBytes: options.maxBytes,
      sealed: (start, last) => sealedRange(ctx, record, start, last),
    });
    return { ...live, complete: false };
  }
  if (running) return nothing(false);
  throw new ArmError(
    404,
    'ResourceNotFound',
    `The image template '${ref.name}' has no customization log: it has not run yet.`,
  );
}

/**
 * The bytes from `start` to before `end` of the run's sealed log, once the run that `record` showed
 * running has ended: a read of its live log goes on there when the segments go.
 */
async function sealedRange(
  ctx: DomainContext,
  record: ImageTemplateRecord,
  start: number,
  end: number,
): Promise<Readable | undefined> {
  if (start >= end) return Readable.from([]);
  const now = await ctx.store.get<ImageTemplateRecord['data']>(record.key);
  const blob = now && now.data.internal.runId === record.data.internal.runId ? now.data.internal.log?.blob : undefined;
  if (!blob) return undefined;
  return ctx.regions.get(blob.region)?.read(blob.key, { start, end: end - 1 });
}

/**
 * The log from `offset` as text, at most `maxBytes` (1 MiB) per call: for readers in this process,
 * which call again from `nextOffset`. A cut answer ends after its last whole line, so no character is split.
 */
export async function readCustomizationLog(
  ctx: DomainContext,
  ref: TemplateRef,
  offset: number,
  maxBytes = TEXT_CHUNK,
): Promise<{ text: string; nextOffset: number; complete: boolean }> {
  const range = await openCustomizationLog(ctx, ref, offset, { maxBytes });
  let bytes = await readAll(range.content);
  const lastNewline = bytes.lastIndexOf('\n');
  if (bytes.length === maxBytes && lastNewline >= 0 && lastNewline < bytes.length - 1)
    bytes = bytes.subarray(0, lastNewline + 1);
  const nextOffset = offset + bytes.length;
  return { text: bytes.toString('utf8'), nextOffset, complete: range.complete && nextOffset === range.nextOffset };
}
