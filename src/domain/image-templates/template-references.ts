/**
 * What a template points to: its source (a platform image, a managed image, a gallery image version),
 * its distribution targets (a gallery image definition, a managed image's resource group) and its
 * user-assigned identities (its own, its build VM's), and its own staging group. Each
 * lookup fails with the provisioning error code Azure gives that problem. They serve twice: when the
 * template is stored (Azure's asynchronous template validation, see provisioning.ts) and when it
 * runs, because the resources may have changed in between.
 */
import { ArmError } from '../../core/arm-error.ts';
import { parseResourceId, resourceGroupId, resourceKey } from '../../core/resource-id.ts';
import type { DomainContext } from '../context.ts';
import type { GalleryImageVersionRecord } from '../gallery-image-versions/gallery-image-version.ts';
import { resolveLatest } from '../gallery-image-versions/latest.ts';
import type { GalleryImageRecord } from '../gallery-images/gallery-image.ts';
import type { ImageRecord } from '../images/image.ts';
import { findIdentity } from '../managed-identities/operations.ts';
import { resolvePlatformImage } from '../platform-images/catalog.ts';
import type { Distributor, ImageTemplate, TemplateSource } from './image-template.ts';
import { checkStagingGroup } from './staging-group.ts';
import { vmProfileIdentities } from './vm-profile.ts';

const SOURCE = 'properties.source';

/** A reference that does not resolve: Azure's provisioning error code, the field's JSON path, why. */
export interface ReferenceProblem {
  code: string;
  target: string;
  message: string;
}

/** The managed image a ManagedImage source names, if a build in `region` can start from it. */
export async function managedImageSource(ctx: DomainContext, imageId: string, region: string): Promise<ImageRecord> {
  const target = `${SOURCE}.imageId`;
  const image = (await ctx.store.get<ImageRecord['data']>(resourceKey(imageId))) as ImageRecord | undefined;
  if (!image) throw new ArmError(400, 'BadManagedImageSource', `The managed image '${imageId}' was not found.`, target);
  const state = image.data.resource.properties.provisioningState;
  if (state !== 'Succeeded')
    throw new ArmError(
      400,
      'BadManagedImageSource',
      `The managed image '${imageId}' is ${state}; a build needs it Succeeded.`,
      target,
    );
  if (image.data.resource.location !== region) {
    throw new ArmError(
      400,
      'BadManagedImageSource',
      `The managed image '${imageId}' is in '${image.data.resource.location}'; it must be in the template's region '${region}'.`,
      target,
    );
  }
  return image;
}

/** The gallery image version a SharedImageVersion source names, `latest` resolved as a build in `region` resolves it. */
export async function sharedImageVersionSource(
  ctx: DomainContext,
  imageVersionId: string,
  region: string,
): Promise<GalleryImageVersionRecord> {
  const target = `${SOURCE}.imageVersionId`;
  try {
    return await resolveLatest(ctx, parseResourceId(imageVersionId)!, target, region);
  } catch (error) {
    if (!(error instanceof ArmError) || error.status !== 404) throw error;
    throw new ArmError(
      400,
      'BadSharedImageVersionSource',
      `The image version '${imageVersionId}' cannot be used: ${error.message}`,
      target,
    );
  }
}

/** The gallery image definition a SharedImage target names, which every run adds a version to. */
export async function sharedImageTarget(
  ctx: DomainContext,
  galleryImageId: string,
  target: string,
): Promise<GalleryImageRecord> {
  const definition = (await ctx.store.get<GalleryImageRecord['data']>(resourceKey(galleryImageId))) as
    GalleryImageRecord | undefined;
  if (!definition)
    throw new ArmError(
      400,
      'BadSharedImageDistribute',
      `The image definition '${galleryImageId}' was not found; create it before the template.`,
      target,
    );
  return definition;
}

/**
 * A ManagedImage target needs its resource group (the image itself is made by the run). The spec
 * has no code for a managed image target, so it gets the general distribution one.
 */
async function managedImageTarget(ctx: DomainContext, imageId: string, target: string): Promise<void> {
  const id = parseResourceId(imageId)!;
  const group = resourceGroupId(id.subscription, id.resourceGroup!);
  if (!(await ctx.store.get(resourceKey(group)))) {
    throw new ArmError(
      400,
      'BadDistributeType',
      `The resource group '${group}' of the managed image '${imageId}' was not found; create it before the template.`,
      target,
    );
  }
}

function checkSource(ctx: DomainContext, source: TemplateSource, region: string): Promise<unknown> | undefined {
  switch (source.type) {
    case 'PlatformImage':
      return resolvePlatformImage(ctx, source, SOURCE);
    case 'ManagedImage':
      return managedImageSource(ctx, source.imageId, region);
    case 'SharedImageVersion':
      return sharedImageVersionSource(ctx, source.imageVersionId, region);
    case 'ISO':
      // Its URL is fetched by the run, which checks the download against the template's sha256.
      return undefined;
  }
}

function checkTarget(ctx: DomainContext, target: Distributor, at: string): Promise<unknown> | undefined {
  switch (target.type) {
    case 'SharedImage':
      return sharedImageTarget(ctx, target.galleryImageId, `${at}.galleryImageId`);
    case 'ManagedImage':
      return managedImageTarget(ctx, target.imageId, `${at}.imageId`);
    case 'VHD':
      return undefined;
  }
}

/**
 * A user-assigned identity: the one the template acts as when it downloads Kiln's own blobs, or one
 * its vmProfile gives the build VM. The spec has no code for a missing identity, so it gets its
 * catch-all `Other`.
 */
async function checkIdentity(ctx: DomainContext, id: string, target: string): Promise<void> {
  if (!(await findIdentity(ctx, id)))
    throw new ArmError(
      400,
      'Other',
      `The user-assigned identity '${id}' was not found; create it before the template.`,
      target,
    );
}

/** Every reference of the template that does not resolve, source first, each with its JSON path. */
export async function checkReferences(
  ctx: DomainContext,
  template: Pick<ImageTemplate, 'location' | 'name' | 'properties' | 'identity'>,
): Promise<ReferenceProblem[]> {
  const checks = [
    checkSource(ctx, template.properties.source, template.location),
    ...template.properties.distribute.map((target, i) => checkTarget(ctx, target, `properties.distribute[${i}]`)),
    ...Object.keys(template.identity.userAssignedIdentities ?? {}).map((id) =>
      checkIdentity(ctx, id, 'identity.userAssignedIdentities'),
    ),
    ...vmProfileIdentities(template.properties.vmProfile).map(({ id, target }) => checkIdentity(ctx, id, target)),
    checkStagingGroup(ctx, template),
  ];
  const problems = await Promise.all(checks.map((check) => check?.then(() => undefined, asProblem)));
  return problems.filter((p): p is ReferenceProblem => p !== undefined);
}

/** The lookups fail with ArmErrors that say what is wrong with the reference; anything else is a fault. */
function asProblem(error: unknown): ReferenceProblem {
  if (!(error instanceof ArmError) || error.status >= 500) throw error;
  return { code: error.code, target: error.target ?? SOURCE, message: error.message };
}
