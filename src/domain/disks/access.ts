/**
 * beginGetAccess / endGetAccess: the Azure upload and download flow. A write grant opens the
 * staging blob to page writes; ending it checks the VHD footer and seals the bytes (a job, since
 * hashing a large disk takes time). A read grant hands out a signed download URL.
 *
 * The network policies decide whether a URL may be handed out at all (`exportRefusal`): `DenyAll`
 * means "the disk cannot be exported" (nor uploaded, AllowAll being "exported or uploaded from any
 * network"), and `publicNetworkAccess: Disabled` means no SAS reaches the data from a public network.
 * Kiln's blob endpoint is the only network it has (no disk accesses or private endpoints, so
 * `AllowPrivate` is refused when a disk is written, data-access.ts), so both refuse every read and
 * write grant, 409 OperationNotAllowed naming the field, as DiskRP refuses a grant the disk's
 * settings forbid. Azure's exact words for this refusal are not published; the message says which
 * setting forbids it and how to lift it. `access: None` (ending access) is always allowed.
 */
import { ArmError, Problems } from '../../core/arm-error.ts';
import type { DomainContext } from '../context.ts';
import { startOperationOn, type OperationData } from '../operations/operation.ts';
import { resourceRecord } from '../shared/arm-resource.ts';
import type { ResourceRef } from '../shared/resource-ref.ts';
import { closeGrant, openGrant } from '../shared/blob-grants.ts';
import { integerIn, requiredEnum } from '../shared/validate.ts';
import type { Write } from '../../ports/metadata-store.ts';
import { copyPending, copyPendingRefusal, diskBytes, type Disk, type DiskFamily, type DiskRecord } from './disk.ts';
import { getDisk } from './operations.ts';

export async function grantDiskAccess(
  ctx: DomainContext,
  family: DiskFamily,
  ref: ResourceRef,
  body: Record<string, unknown>,
  baseUrl: string,
): Promise<{ accessSAS: string }> {
  const problems = new Problems();
  const access = requiredEnum(body.access, ['None', 'Read', 'Write'] as const, 'access', problems);
  const seconds = integerIn(body.durationInSeconds, 1, 5 * 24 * 3600, 'durationInSeconds', problems);
  if (body.durationInSeconds === undefined)
    problems.add('durationInSeconds', "Required parameter 'durationInSeconds' is missing (null).");
  problems.throwIfAny();
  const record = await getDisk(ctx, family, ref);
  const disk = record.data.resource;
  const state = disk.properties.diskState;
  const expiresOn = new Date(ctx.clock.now().getTime() + seconds! * 1000);
  const { key } = diskBytes(family, record);

  if (access === 'Write' || access === 'Read') {
    const write = access === 'Write';
    const what = family.collection.slice(0, -1);
    const refusal = exportRefusal(disk, what, write);
    if (refusal) throw refusal;
    if (write && state !== 'ReadyToUpload' && state !== 'ActiveUpload') {
      throw new ArmError(
        409,
        'OperationNotAllowed',
        `Write access can only be granted to a ${what} in state ReadyToUpload; '${disk.name}' is ${state}.`,
      );
    }
    if (!write && copyPending(disk)) throw copyPendingRefusal(disk);
    if (
      !write &&
      (disk.properties.provisioningState !== 'Succeeded' || (state !== 'Unattached' && state !== 'ActiveSAS'))
    ) {
      throw new ArmError(
        409,
        'OperationNotAllowed',
        `Read access needs a ${what} with data; '${disk.name}' is ${state} (${disk.properties.provisioningState}).`,
      );
    }
    const grant = openGrant(disk.location, key, expiresOn);
    await saveState(ctx, record, write ? 'ActiveUpload' : 'ActiveSAS', [grant.write]);
    return {
      accessSAS: ctx.blobUrls.signed(baseUrl, disk.location, key, { write, expiresOn, identifier: grant.identifier }),
    };
  }
  await saveState(
    ctx,
    record,
    state === 'ActiveUpload' ? 'ActiveUpload' : state === 'ActiveSAS' ? 'Unattached' : state,
    [closeGrant(disk.location, key)],
  );
  return { accessSAS: '' };
}

/** The 409 when the disk's network policies forbid handing out a SAS URL for it, if they do. */
function exportRefusal(disk: Disk, what: string, write: boolean): ArmError | undefined {
  const verb = write ? 'uploaded to' : 'exported';
  const { networkAccessPolicy, publicNetworkAccess } = disk.properties;
  if (networkAccessPolicy === 'DenyAll')
    return new ArmError(
      409,
      'OperationNotAllowed',
      `The ${what} '${disk.name}' cannot be ${verb}: its 'properties.networkAccessPolicy' is 'DenyAll', which allows no SAS access from any network. Update it to 'AllowAll' to grant access.`,
      'properties.networkAccessPolicy',
    );
  if (publicNetworkAccess === 'Disabled')
    return new ArmError(
      409,
      'OperationNotAllowed',
      `The ${what} '${disk.name}' cannot be ${verb}: its 'properties.publicNetworkAccess' is 'Disabled', so its data cannot be reached publicly, and Kiln has no private endpoints to reach it through. Update it to 'Enabled' to grant access.`,
      'properties.publicNetworkAccess',
    );
  return undefined;
}

/** Ends access; an upload in progress is sealed by a job whose operation is returned. */
export async function revokeDiskAccess(
  ctx: DomainContext,
  family: DiskFamily,
  ref: ResourceRef,
): Promise<OperationData | undefined> {
  const record = await getDisk(ctx, family, ref);
  const disk = record.data.resource;
  const { key } = diskBytes(family, record);
  if (disk.properties.diskState !== 'ActiveUpload') {
    await saveState(ctx, record, disk.properties.diskState === 'ActiveSAS' ? 'Unattached' : disk.properties.diskState, [
      closeGrant(disk.location, key),
    ]);
    return undefined;
  }
  const operation = startOperationOn(
    disk,
    { subscription: ref.subscription, namespace: 'Microsoft.Compute' },
    ctx.clock.now(),
  );
  const job = ctx.jobs.enqueueWrite({
    task: 'disk.seal',
    payload: { key: record.key, operation: operation.data, target: { region: disk.location, key } },
  });
  await ctx.store.apply([
    { op: 'put', record: resourceRecord(disk, record.data.internal), expect: { etag: record.etag } },
    closeGrant(disk.location, key),
    operation.write,
    job,
  ]);
  ctx.jobs.nudge();
  return operation.data;
}

async function saveState(
  ctx: DomainContext,
  record: DiskRecord,
  diskState: Disk['properties']['diskState'],
  grantWrites: Write[],
) {
  const next: Disk = { ...record.data.resource, properties: { ...record.data.resource.properties, diskState } };
  await ctx.store.apply([
    { op: 'put', record: resourceRecord(next, record.data.internal), expect: { etag: record.etag } },
    ...grantWrites,
  ]);
}
