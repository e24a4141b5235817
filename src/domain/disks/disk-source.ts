/**
 * Where a new disk's bytes come from, checked while the request is still open so a bad source is a
 * 4xx naming the field rather than a failed disk later.
 */
import { ArmError } from '../../core/arm-error.ts';
import { parseBlobUrl } from '../../core/blob-url.ts';
import { parseResourceId, resourceTypeOf } from '../../core/resource-id.ts';
import { VHD_FOOTER_SIZE, parseVhdFooter } from '../../core/vhd.ts';
import type { DomainContext } from '../context.ts';
import { getResource } from '../shared/arm-resource.ts';
import type { BlobLocation } from '../shared/blob-copy.ts';
import { copyPending, copyPendingRefusal, type Disk, type DiskInternal } from './disk.ts';
import { describeOs, type OsDescription } from './disk-settings.ts';

export interface ResolvedSource {
  blob: BlobLocation;
  /** Data bytes, without the VHD footer. */
  dataSize: number;
  sourceUniqueId?: string;
  osType?: Disk['properties']['osType'];
  hyperVGeneration?: Disk['properties']['hyperVGeneration'];
  /** What a disk or snapshot says of its OS, which its copies say too. */
  os?: OsDescription;
  /**
   * The incremental snapshot family a snapshot of this source joins: a disk's own (its uniqueId), an
   * incremental snapshot's; none for a full snapshot, of which no incremental snapshot is made.
   */
  snapshotFamily?: string;
}

const SOURCE_TYPES = ['microsoft.compute/disks', 'microsoft.compute/snapshots'];

/** A disk or snapshot that has finished creating and holds sealed bytes. */
export async function resolveManagedSource(ctx: DomainContext, rawId: string, target: string): Promise<ResolvedSource> {
  const id = parseResourceId(rawId);
  if (!id || !SOURCE_TYPES.includes(resourceTypeOf(id))) {
    throw new ArmError(
      400,
      'LinkedInvalidPropertyId',
      `Property id '${rawId}' at path '${target}' is invalid. Expect fully qualified resource Id that start with '/subscriptions/{subscriptionId}' and names a disk or snapshot.`,
      target,
    );
  }
  const record = await getResource<Disk, DiskInternal>(ctx, id);
  if (!record)
    throw new ArmError(404, 'NotFound', `The resource '${rawId}' named by '${target}' was not found.`, target);
  const blob = record.data.internal.blobs[0];
  const props = record.data.resource.properties;
  if (copyPending(record.data.resource)) throw copyPendingRefusal(record.data.resource, target);
  if (
    !blob ||
    props.provisioningState !== 'Succeeded' ||
    props.diskState === 'ReadyToUpload' ||
    props.diskState === 'ActiveUpload'
  ) {
    throw new ArmError(
      409,
      'InvalidResourceState',
      `The resource '${rawId}' named by '${target}' has no data yet (state ${props.diskState}, provisioning ${props.provisioningState}).`,
      target,
    );
  }
  const { purchasePlan, supportedCapabilities, supportsHibernation } = props;
  return {
    blob,
    dataSize: props.diskSizeBytes,
    sourceUniqueId: props.uniqueId,
    osType: props.osType,
    hyperVGeneration: props.hyperVGeneration,
    os: describeOs({ purchasePlan, supportedCapabilities, supportsHibernation }, {}),
    snapshotFamily:
      resourceTypeOf(id) === 'microsoft.compute/disks' ? props.uniqueId : props.incrementalSnapshotFamilyId,
  };
}

/** A fixed VHD in one of Kiln's region stores, named by its blob URL. */
export async function resolveVhdBlob(ctx: DomainContext, uri: string, target: string): Promise<ResolvedSource> {
  const parsed = parseBlobUrl(uri);
  const store = parsed && ctx.regions.get(parsed.region);
  if (!parsed || !store) {
    throw new ArmError(
      400,
      'InvalidParameter',
      `The blob URI '${uri}' at '${target}' is not a blob of a Kiln region store (expected https://<kiln>/blob/<region>/<container>/<blob>).`,
      target,
    );
  }
  const info = await store.stat(parsed.key);
  if (!info) throw new ArmError(404, 'BlobNotFound', `The blob '${uri}' named by '${target}' does not exist.`, target);
  if (info.size < VHD_FOOTER_SIZE) throw invalidVhd(uri, target, 'it is smaller than a VHD footer');
  const footer = await readAll(store.read(parsed.key, { start: info.size - VHD_FOOTER_SIZE, end: info.size - 1 }));
  const parsedFooter = parseVhdFooter(footer);
  if (!parsedFooter.ok) throw invalidVhd(uri, target, parsedFooter.reason);
  const dataSize = info.size - VHD_FOOTER_SIZE;
  if (parsedFooter.footer.diskType !== 2)
    throw invalidVhd(
      uri,
      target,
      'only fixed VHDs are supported; convert dynamic VHDs with `qemu-img convert -O vpc -o subformat=fixed`',
    );
  if (dataSize % (1024 * 1024) !== 0)
    throw invalidVhd(uri, target, `its virtual size ${dataSize} bytes is not a whole number of MiB`);
  return { blob: { region: parsed.region, key: parsed.key }, dataSize };
}

const invalidVhd = (uri: string, target: string, why: string) =>
  new ArmError(400, 'InvalidVhd', `The blob '${uri}' named by '${target}' is not a valid fixed VHD: ${why}.`, target);

export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
