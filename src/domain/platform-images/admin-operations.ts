/**
 * The catalog managed while Kiln serves, one function per REST operation of Azure Stack Hub's
 * PlatformImages (Microsoft.Compute.Admin): put a version naming the blob its disk is in, get, list,
 * delete. A put records the entry Creating and enqueues its import job in one batch
 * (import-job.ts checks the disk as the offline import does, confined); sources and listings see the
 * entry only once it is Succeeded. A version is never replaced while it is served: Azure's published
 * versions do not change under the machines made from them, so a put of a Succeeded (or Creating)
 * version is 409 and only a Failed one is put again. Every location lists the whole catalog, as
 * VirtualMachineImages do; an entry's bytes sit in the region of the location it was put at.
 */
import { ArmError, Problems } from '../../core/arm-error.ts';
import { parseBlobUrl } from '../../core/blob-url.ts';
import { newGuid } from '../../core/ids.ts';
import type { StoredRecord, Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { HYPERV_GENERATIONS } from '../disks/validate-disk.ts';
import { retryOnRace } from '../shared/retry-on-race.ts';
import { isObject } from '../shared/validate.ts';
import {
  PLATFORM_IMAGE_OS,
  catalogKey,
  catalogRecord,
  checkImport,
  listCatalog,
  urn,
  type CatalogEntry,
  type PlatformImageName,
} from './catalog.ts';
import { PLATFORM_IMAGE_ADMIN_TYPE } from './descriptor.ts';
import type { LocationRef, PlatformImageRef } from './image-id.ts';
import type { ImportPayload } from './import-job.ts';
import { catalogRegion } from './operations.ts';

/** A version as the admin API shows it (PlatformImage). */
export interface AdminPlatformImage {
  id: string;
  type: string;
  location: string;
  properties: Record<string, unknown>;
}

/** An import holds a worker for at most this long: a disk of many GiB is copied, converted and stored. */
const IMPORT_TIMEOUT_MS = 4 * 60 * 60 * 1000;

const TYPE = PLATFORM_IMAGE_ADMIN_TYPE.type;
const URI = 'properties.osDisk.uri';

const adminId = (ref: LocationRef, entry: PlatformImageName) =>
  `/subscriptions/${ref.subscription}/providers/Microsoft.Compute.Admin/locations/${ref.location}/artifactTypes/platformImage/publishers/${entry.publisher}/offers/${entry.offer}/skus/${entry.sku}/versions/${entry.version}`;

/** An entry as the location `ref` shows it: its state, where its disk came from, and why it failed. */
function adminView(ref: LocationRef, entry: CatalogEntry): AdminPlatformImage {
  const state = entry.import?.provisioningState ?? 'Succeeded';
  const error = entry.import?.error;
  return {
    id: adminId(ref, entry),
    type: TYPE,
    location: ref.location,
    properties: {
      osDisk: { osType: PLATFORM_IMAGE_OS, ...(entry.import ? { uri: entry.import.uri } : {}) },
      dataDisks: [],
      ...(entry.import?.details ? { details: entry.import.details } : {}),
      provisioningState: state,
      // Kiln's own: the firmware it boots with, and, Failed, why (as an image template's provisioningError).
      hyperVGeneration: entry.hyperVGeneration ?? 'V1',
      ...(error ? { provisioningError: { provisioningErrorCode: error.code, message: error.message } } : {}),
    },
  };
}

const notFound = (name: PlatformImageName) =>
  new ArmError(404, 'NotFound', `The platform image ${urn(name)} is not in the catalog.`);

/** The entry `ref` names (its names compare without case, as the catalog's keys do), or undefined. */
async function entryAt(ctx: DomainContext, ref: PlatformImageRef): Promise<StoredRecord<CatalogEntry> | undefined> {
  catalogRegion(ctx, ref, TYPE);
  return ctx.store.get<CatalogEntry>(catalogKey(ref));
}

export async function getAdminImage(ctx: DomainContext, ref: PlatformImageRef): Promise<AdminPlatformImage> {
  const record = await entryAt(ctx, ref);
  if (!record) throw notFound(ref);
  return adminView(ref, record.data);
}

/** Every entry, imports running and failed included: a bare array, as the specification's PlatformImageList is. */
export async function listAdminImages(ctx: DomainContext, ref: LocationRef): Promise<AdminPlatformImage[]> {
  catalogRegion(ctx, ref, TYPE);
  return (await listCatalog(ctx)).map((record) => adminView(ref, record.data));
}

/** What a put body asks for, checked: every field the specification has is taken or refused by name. */
function readBody(body: Record<string, unknown>) {
  const problems = new Problems();
  const known = (object: Record<string, unknown>, at: string, fields: string[]) => {
    for (const field of Object.keys(object))
      if (!fields.includes(field))
        problems.add(
          `${at}${field}`,
          `'${at}${field}' is not a field of a platform image (${fields.map((f) => at + f).join(', ')}).`,
        );
  };
  // The resource's own read-only fields, as a GET answered them, may come back.
  known(body, '', ['properties', 'id', 'type', 'location', 'name']);
  const properties = isObject(body.properties) ? body.properties : {};
  if (!isObject(body.properties)) problems.add('properties', "Required parameter 'properties' is missing (null).");
  known(properties, 'properties.', ['osDisk', 'dataDisks', 'details', 'provisioningState', 'hyperVGeneration']);
  const osDisk = isObject(properties.osDisk) ? properties.osDisk : {};
  if (!isObject(properties.osDisk))
    problems.add('properties.osDisk', "Required parameter 'properties.osDisk' is missing (null).");
  known(osDisk, 'properties.osDisk.', ['osType', 'uri']);
  if (osDisk.osType !== undefined && osDisk.osType !== PLATFORM_IMAGE_OS)
    problems.add(
      'properties.osDisk.osType',
      `The osType '${String(osDisk.osType)}' is not supported: Kiln's platform images are Linux disks (an import finds their Linux root file system).`,
    );
  const uri = typeof osDisk.uri === 'string' ? osDisk.uri : undefined;
  if (uri === undefined)
    problems.add(
      URI,
      `Required parameter '${URI}' is missing: the blob holding the disk (raw, VHD, qcow2, vmdk or vhdx).`,
    );
  if (properties.dataDisks !== undefined && !(Array.isArray(properties.dataDisks) && properties.dataDisks.length === 0))
    problems.add(
      'properties.dataDisks',
      "Kiln's platform images have an OS disk only: 'properties.dataDisks' must be empty.",
    );
  const details = properties.details;
  if (details !== undefined) {
    if (!isObject(details)) problems.add('properties.details', "'properties.details' must be an object.");
    else {
      known(details, 'properties.details.', ['billingPartNumber']);
      if (details.billingPartNumber !== undefined && typeof details.billingPartNumber !== 'string')
        problems.add(
          'properties.details.billingPartNumber',
          "'properties.details.billingPartNumber' must be a string.",
        );
    }
  }
  const generation = properties.hyperVGeneration;
  if (generation !== undefined && !(HYPERV_GENERATIONS as readonly unknown[]).includes(generation))
    problems.add(
      'properties.hyperVGeneration',
      `The Hyper-V generation '${String(generation)}' must be one of ${HYPERV_GENERATIONS.join(', ')}.`,
    );
  const state = properties.provisioningState;
  if (state !== undefined && !['Creating', 'Failed', 'Succeeded', 'Canceled'].includes(String(state)))
    problems.add(
      'properties.provisioningState',
      `The provisioningState '${String(state)}' is not one of Creating, Failed, Succeeded, Canceled.`,
    );
  problems.throwIfAny();
  return {
    uri: uri!,
    details: isObject(details) ? (details as { billingPartNumber?: string }) : undefined,
    hyperVGeneration: generation as string | undefined,
  };
}

/** The blob `uri` names, which must exist in a region Kiln has. */
async function sourceBlob(ctx: DomainContext, uri: string) {
  const parsed = parseBlobUrl(uri);
  const store = parsed && ctx.regions.get(parsed.region);
  if (!parsed || !store)
    throw new ArmError(
      400,
      'InvalidParameter',
      `The blob URI '${uri}' at '${URI}' is not a blob of a Kiln region store (expected https://<kiln>/blob/<region>/<container>/<blob>).`,
      URI,
    );
  if (!(await store.stat(parsed.key)))
    throw new ArmError(404, 'BlobNotFound', `The blob '${uri}' named by '${URI}' does not exist.`, URI);
  return { region: parsed.region, key: parsed.key };
}

/**
 * Records the entry Creating with its import job, in one batch: 201 when new, 200 when it puts a
 * Failed version again; the client polls its GET until it is Succeeded or Failed.
 */
export async function putAdminImage(
  ctx: DomainContext,
  ref: PlatformImageRef,
  body: Record<string, unknown>,
): Promise<{ status: 200 | 201; body: AdminPlatformImage }> {
  const region = catalogRegion(ctx, ref, TYPE);
  const request = readBody(body);
  const hyperVGeneration = await checkImport(ctx, { ...ref, hyperVGeneration: request.hyperVGeneration }, true);
  const source = await sourceBlob(ctx, request.uri);
  const existing = await ctx.store.get<CatalogEntry>(catalogKey(ref));
  const state = existing && (existing.data.import?.provisioningState ?? 'Succeeded');
  if (state === 'Succeeded' || state === 'Creating')
    throw new ArmError(
      409,
      'Conflict',
      state === 'Creating'
        ? `The platform image ${urn(existing!.data)} is being imported; wait until it is Succeeded or Failed.`
        : `The platform image ${urn(existing!.data)} is already in the catalog, and a version is not replaced while it is served: delete it first, or import another version.`,
    );
  const name = { publisher: ref.publisher, offer: ref.offer, sku: ref.sku, version: ref.version };
  const importId = newGuid();
  const payload: ImportPayload = {
    key: catalogKey(name),
    importId,
    source,
    uri: request.uri,
    target: { region: region.name, key: `${catalogKey(name).slice(1)}/${importId}.vhd` },
  };
  const job = ctx.jobs.enqueueWrite({
    task: 'platformImage.import',
    payload,
    maxAttempts: 2,
    timeoutMs: IMPORT_TIMEOUT_MS,
  });
  const entry: CatalogEntry = {
    ...name,
    hyperVGeneration,
    import: {
      provisioningState: 'Creating',
      importId,
      uri: request.uri,
      region: region.name,
      ...(request.details ? { details: request.details } : {}),
      ...(job.op === 'put' ? { jobKey: job.record.key } : {}),
    },
  };
  const put: Write = {
    op: 'put',
    record: catalogRecord(entry),
    expect: existing ? { etag: existing.etag } : { absent: true },
  };
  try {
    await ctx.store.apply([put, job]);
  } catch (error) {
    if ((error as Error).name !== 'ExpectationFailedError') throw error;
    throw new ArmError(409, 'Conflict', `The platform image ${urn(name)} was put by another request meanwhile.`);
  }
  ctx.jobs.nudge();
  return { status: existing ? 200 : 201, body: adminView(ref, entry) };
}

/**
 * Removes the entry and its bytes (a blob other entries share content with keeps it); a running import
 * is canceled, and its job removes what it wrote. True when there was an entry.
 */
export async function deleteAdminImage(ctx: DomainContext, ref: PlatformImageRef): Promise<boolean> {
  // The import's job record changes as a worker claims it or renews its lease: read both again then.
  return retryOnRace(async () => {
    const record = await entryAt(ctx, ref);
    if (!record) return false;
    const writes: Write[] = [{ op: 'delete', key: record.key, expect: { etag: record.etag } }];
    const { blob, import: running } = record.data;
    if (blob) writes.push(ctx.jobs.enqueueWrite({ task: 'blobs.delete', payload: { blobs: [blob] } }));
    if (running?.provisioningState === 'Creating' && running.jobKey) {
      const cancel = await ctx.jobs.cancelWrite(running.jobKey);
      if (cancel) writes.push(cancel);
    }
    await ctx.store.apply(writes);
    return true;
  });
}
