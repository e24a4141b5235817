/**
 * The run's customization.log: while the build runs it is a file the worker appends to; when the run
 * ends it is kept as a blob in the template's region. Readers pass the offset they have read up to,
 * so `logs --follow` gets only what is new.
 *
 * Invariants: a read is a byte range streamed from the file or blob, never the whole log in memory
 * (a log can be far larger than the server's memory: it is capped by `build.logMaxMiB`, logs of
 * older versions were not); the range is fixed when the read starts, so `nextOffset` is exactly
 * where the answer ends; `complete` is true only once the run has ended and the answer reaches the
 * end of its log.
 */
import { Readable } from 'node:stream';
import { open } from 'node:fs/promises';
import { ArmError } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import { readAll } from '../disks/disk-source.ts';
import { getTemplate, type TemplateRef } from './operations.ts';

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
  if (log?.path && running) {
    // Opened before its size is read: the worker may remove the file when the run ends, the open file stays readable.
    const file = await open(log.path, 'r').catch(() => undefined);
    if (!file) return nothing(false);
    const size = (await file.stat()).size;
    if (offset >= size) {
      await file.close();
      return nothing(false);
    }
    const last = end(size);
    return {
      content: file.createReadStream({ start: offset, end: last - 1 }),
      bytes: last - offset,
      nextOffset: last,
      complete: false,
    };
  }
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
  if (running) return nothing(false);
  throw new ArmError(
    404,
    'ResourceNotFound',
    `The image template '${ref.name}' has no customization log: it has not run yet.`,
  );
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
