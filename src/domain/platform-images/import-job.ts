/**
 * The job side of an import through the API (admin-operations.ts), around the disk work the jobs
 * layer does (jobs/tasks/import-platform-image.ts): the entry it finishes, Succeeded with its image
 * or Failed with the reason. Only the import that started the job is finished: an entry deleted or
 * put again meanwhile carries another import id (or none), and the job's bytes are then deleted.
 */
import type { ArmErrorBody } from '../../core/arm-error.ts';
import type { BlobInfo } from '../../ports/blob-store.ts';
import type { StoredRecord, Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import type { BlobLocation } from '../shared/blob-copy.ts';
import { catalogRecord, type CatalogEntry } from './catalog.ts';

export interface ImportPayload {
  /** The entry's record. */
  key: string;
  importId: string;
  /** The blob the disk is read from, and its URI as the request gave it (for messages). */
  source: BlobLocation;
  uri: string;
  /** Where the checked fixed VHD goes: a key of this import's own. */
  target: BlobLocation;
}

/** The entry the job is to finish, or undefined when it was deleted or put again meanwhile. */
export async function pendingImport(
  ctx: DomainContext,
  payload: ImportPayload,
): Promise<StoredRecord<CatalogEntry> | undefined> {
  const record = await ctx.store.get<CatalogEntry>(payload.key);
  const running = record?.data.import;
  return running?.importId === payload.importId && running.provisioningState === 'Creating' ? record : undefined;
}

/** The writes that end an import whose entry is gone: its bytes go too. */
export const abandonImport = (ctx: DomainContext, payload: ImportPayload): Write[] => [
  ctx.jobs.enqueueWrite({ task: 'blobs.delete', payload: { blobs: [payload.target] } }),
];

/** The entry Succeeded, its image the stored VHD; it must still be the entry the job read. */
export function finishImport(
  ctx: DomainContext,
  entry: StoredRecord<CatalogEntry>,
  payload: ImportPayload,
  vhd: BlobInfo,
): Write[] {
  const { jobKey: _, ...running } = entry.data.import!;
  const done: CatalogEntry = {
    ...entry.data,
    blob: payload.target,
    sizeBytes: vhd.size,
    sha256: vhd.sha256,
    importedAt: ctx.clock.now().toISOString(),
    import: { ...running, provisioningState: 'Succeeded' },
  };
  return [{ op: 'put', record: catalogRecord(done), expect: { etag: entry.etag } }];
}

/** The entry Failed with `error` (a delete's cancel leaves it deleted); the job's bytes, if any, go. */
export async function failImport(ctx: DomainContext, payload: ImportPayload, error: ArmErrorBody): Promise<Write[]> {
  const entry = await pendingImport(ctx, payload);
  if (!entry) return abandonImport(ctx, payload);
  const { jobKey: _, ...running } = entry.data.import!;
  const failed: CatalogEntry = { ...entry.data, import: { ...running, provisioningState: 'Failed', error } };
  return [{ op: 'put', record: catalogRecord(failed), expect: { etag: entry.etag } }, ...abandonImport(ctx, payload)];
}
