/** Kiln's own `GET .../runHistory`: the template's runs, the one under way first (see run/run-history.ts). */
import type { DomainContext } from '../context.ts';
import { getTemplate, type TemplateRef } from './operations.ts';
import { runHistoryOf, type RunHistoryEntry } from './run/run-history.ts';

export async function listRunHistory(ctx: DomainContext, ref: TemplateRef): Promise<RunHistoryEntry[]> {
  const record = await getTemplate(ctx, ref);
  return runHistoryOf(record.data.resource, record.data.internal);
}
