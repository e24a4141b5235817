/**
 * The run's customization.log: while the build runs it is a file the worker appends to; when the run
 * ends it is kept as a blob in the template's region. Readers pass the offset they have read up to,
 * so `logs --follow` gets only what is new.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ArmError } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import { readAll } from '../disks/disk-source.ts';
import { getTemplate, type TemplateRef } from './operations.ts';

export async function readCustomizationLog(ctx: DomainContext, ref: TemplateRef, offset: number): Promise<{ text: string; nextOffset: number; complete: boolean }> {
  const record = await getTemplate(ctx, ref);
  const log = record.data.internal.log;
  const running = ['Running', 'Canceling'].includes(record.data.resource.properties.lastRunStatus?.runState ?? '');
  if (log?.path && running) {
    const size = (await stat(log.path).catch(() => undefined))?.size ?? 0;
    if (offset >= size) return { text: '', nextOffset: offset, complete: false };
    const text = (await readAll(createReadStream(log.path, { start: offset, end: size - 1 }))).toString('utf8');
    return { text, nextOffset: size, complete: false };
  }
  if (log?.blob) {
    const store = ctx.regions.get(log.blob.region);
    const info = await store?.stat(log.blob.key);
    if (store && info) {
      const text = offset >= info.size ? '' : (await readAll(store.read(log.blob.key, { start: offset, end: info.size - 1 }))).toString('utf8');
      return { text, nextOffset: Math.max(offset, info.size), complete: true };
    }
  }
  if (running) return { text: '', nextOffset: offset, complete: false };
  throw new ArmError(404, 'ResourceNotFound', `The image template '${ref.name}' has no customization log: it has not run yet.`);
}
