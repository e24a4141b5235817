/**
 * The image a VM's `storageProfile.imageReference` names, turned into what its OS disk is made
 * `FromImage` with: a platform image by publisher, offer, sku and version (`latest` resolved, shown
 * as `exactVersion`), a managed image id, a gallery image version id, a gallery image definition id
 * (its latest version in the VM's region, as Azure resolves it), or a shared or community gallery's
 * image or version by its public id (as its views show it to the VM's subscription; `exactVersion` shown). The disk operation's own checks
 * (disks/image-source.ts) run here too, at PUT, so a VM naming an image it cannot boot is refused at
 * its own JSON path before anything is created; the platform catalog is read once for both. The
 * image's data disks (a managed image's or a gallery version's) are the VM's `FromImage` data disks.
 */
import { ArmError } from '../../core/arm-error.ts';
import { parseResourceId, resourceTypeOf } from '../../core/resource-id.ts';
import type { DomainContext } from '../context.ts';
import type { CreationData } from '../disks/disk.ts';
import { resolveImageSource } from '../disks/image-source.ts';
import { imageDiskBytes } from '../disks/validate-disk.ts';
import { resolveLatest } from '../gallery-image-versions/latest.ts';
import { platformImageId } from '../platform-images/image-id.ts';
import { findPlatformImage, listPlatformImages } from '../platform-images/catalog.ts';
import { COMMUNITY_PUBLISHER, findPublishedVersion, sharedPublisher } from '../shared-galleries/published-source.ts';
import type { ImageReference } from './virtual-machine.ts';

export interface ImageChoice {
  creationData: CreationData;
  /** As the VM shows it: the reference given, with `exactVersion` for a platform image. */
  imageReference: ImageReference;
  /** The LUNs of the image's data disks. */
  dataDiskLuns: number[];
}

const FIELD = 'properties.storageProfile.imageReference';
const DISK_FIELD = 'properties.creationData.imageReference';
const DEFINITION_TYPE = 'microsoft.compute/galleries/images';

export async function chooseImage(
  ctx: DomainContext,
  reference: ImageReference,
  subscription: string,
  location: string,
): Promise<ImageChoice> {
  let id: string;
  let shown: ImageReference = reference;
  const catalog = reference.publisher !== undefined ? await listPlatformImages(ctx) : undefined;
  if (catalog) {
    const entry = findPlatformImage(catalog, {
      publisher: reference.publisher!,
      offer: reference.offer!,
      sku: reference.sku!,
      version: reference.version!,
    });
    if (!entry)
      throw new ArmError(
        404,
        'PlatformImageNotFound',
        `The platform image '${reference.publisher}:${reference.offer}:${reference.sku}:${reference.version}' is not available. Verify that all fields in the storage profile are correct. 'az vm image list --all' lists what Kiln has.`,
        FIELD,
      );
    id = platformImageId({ subscription, location, ...entry, version: entry.version });
    shown = { ...reference, exactVersion: entry.version };
  } else if (reference.id !== undefined) {
    id = await versionOfDefinition(ctx, reference.id, location);
  } else {
    const [field, publisher] = reference.sharedGalleryImageId
      ? (['sharedGalleryImageId', sharedPublisher(ctx, subscription)] as const)
      : (['communityGalleryImageId', COMMUNITY_PUBLISHER] as const);
    const version = await findPublishedVersion(ctx, publisher, reference[field]!, location, `${FIELD}.${field}`);
    id = version.data.resource.id;
    shown = { [field]: reference[field], exactVersion: version.data.resource.name };
  }
  const creationData: CreationData = { createOption: 'FromImage', imageReference: { id } };
  try {
    // Checked now, so the PUT is refused at its own path; the create job makes the disk from it.
    const source = await resolveImageSource(ctx, creationData, location, catalog);
    return { creationData, imageReference: shown, dataDiskLuns: source.dataDiskLuns };
  } catch (error) {
    throw atVmPath(error, FIELD);
  }
}

/**
 * The size in GB of the VM's data disk made from the image's data disk at `lun`: `diskSizeGB` when
 * given (at least the image's), else the image's. The disk operation's checks, refused at `at`.
 */
export async function imageDataDiskGB(
  ctx: DomainContext,
  choice: ImageChoice,
  lun: number,
  location: string,
  diskSizeGB: number | undefined,
  at: string,
): Promise<number> {
  try {
    const source = await resolveImageSource(ctx, dataDiskCreation(choice.creationData, lun), location);
    return Math.ceil(imageDiskBytes(diskSizeGB, source.dataSize) / 1024 ** 3);
  } catch (error) {
    throw atVmPath(error, at);
  }
}

/** What the VM's data disk at `lun` is made from: the image's data disk there. */
export const dataDiskCreation = (os: CreationData, lun: number): CreationData => ({
  createOption: 'FromImage',
  imageReference: { id: os.imageReference!.id, lun },
});

/** A definition id stands for its latest version in the VM's region; other ids pass as they are. */
async function versionOfDefinition(ctx: DomainContext, raw: string, location: string): Promise<string> {
  const id = parseResourceId(raw);
  if (!id || resourceTypeOf(id) !== DEFINITION_TYPE) return raw;
  const latest = await resolveLatest(
    ctx,
    { ...id, types: [...id.types, ['versions', 'latest']] },
    `${FIELD}.id`,
    location,
  );
  return latest.data.resource.id;
}

/** The disk operation's refusal, named at the VM's field (`at`) instead of the disk's. */
function atVmPath(error: unknown, at: string): unknown {
  if (!(error instanceof ArmError)) return error;
  const move = (text: string) =>
    text.replaceAll(DISK_FIELD, at).replaceAll('properties.diskSizeGB', `${at}.diskSizeGB`);
  return new ArmError(error.status, error.code, move(error.message), error.target && move(error.target));
}
