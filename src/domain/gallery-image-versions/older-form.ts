/**
 * Where the api-versions Kiln accepts for image versions differ in form, not by a member added
 * (domain/shared/version-shape.ts handles those): GalleryRP 2018-06-01 and 2019-03-01 name a version's
 * source in `properties.publishingProfile.source.managedImage.id` (GalleryArtifactSource, required,
 * whose only member is a ManagedArtifact: a managed image), and their `storageProfile` is read-only
 * (the disks' `sizeInGB` and `hostCaching`). From 2019-07-01 on the source is
 * `properties.storageProfile.source` (`id`, or a disk's `osDiskImage.source`) and
 * `publishingProfile.source` is gone. Kiln stores the newer form once: a write at an older version is
 * turned into it (its read-only `storageProfile` taken and left, as every read-only field is), and an
 * answer at an older version names a managed image source where that version's model has it. A
 * version made at a newer version from something else (a disk, a snapshot, another version, a VM)
 * has no such field at the older versions, so their answers leave it out.
 */
import { ArmError, Problems } from '../../core/arm-error.ts';
import { parseResourceId, resourceTypeOf } from '../../core/resource-id.ts';
import { isObject, refuseUnknownFields } from '../shared/validate.ts';
import type { GalleryImageVersion } from './gallery-image-version.ts';

/** The first api-version whose model has `storageProfile.source` and no `publishingProfile.source`. */
export const STORAGE_SOURCE_SINCE = '2019-07-01';

const OLD_SOURCE = 'properties.publishingProfile.source';

/** Whether `apiVersion` names the source in `storageProfile` (a call naming none: the newest form). */
export const hasStorageSource = (apiVersion: string | undefined) =>
  !apiVersion || apiVersion.toLowerCase() >= STORAGE_SOURCE_SINCE;

const isManagedImage = (id: string) => {
  const parsed = parseResourceId(id);
  return parsed !== undefined && resourceTypeOf(parsed).toLowerCase() === 'microsoft.compute/images';
};

const given = (value: unknown) => value !== undefined && value !== null;

/**
 * A PUT's or PATCH's body at `apiVersion` in the form Kiln stores. At 2019-07-01 and later, a
 * `publishingProfile.source` (the older form) is refused naming it; before, it is required of a PUT,
 * must name a managed image, and becomes `storageProfile.source.id`.
 */
export function bodyInStoredForm(
  body: Record<string, unknown>,
  apiVersion: string | undefined,
  write: 'put' | 'patch',
): Record<string, unknown> {
  const props = isObject(body.properties) ? body.properties : undefined;
  const publishing = props && isObject(props.publishingProfile) ? props.publishingProfile : undefined;
  const problems = new Problems();
  if (hasStorageSource(apiVersion)) {
    if (publishing && given(publishing.source))
      problems.add(
        OLD_SOURCE,
        `'${OLD_SOURCE}' is the source of api-versions before ${STORAGE_SOURCE_SINCE}; at api-version ${apiVersion} ` +
          `a version's source is 'properties.storageProfile.source'.`,
      );
    problems.throwIfAny();
    return body;
  }
  if (!props) return body;
  let sourceId: string | undefined;
  const source = publishing?.source;
  if (given(source)) {
    const managed = isObject(source) && isObject(source.managedImage) ? source.managedImage : undefined;
    if (isObject(source)) refuseUnknownFields(source, ['managedImage'], OLD_SOURCE, problems);
    if (isObject(managed)) refuseUnknownFields(managed, ['id'], `${OLD_SOURCE}.managedImage`, problems);
    const id = managed?.id;
    if (typeof id !== 'string' || !isManagedImage(id))
      problems.add(
        `${OLD_SOURCE}.managedImage.id`,
        `'${OLD_SOURCE}.managedImage.id' must be the id of a managed image (Microsoft.Compute/images): at ` +
          `api-version ${apiVersion} a version is made from a managed image only. Make it from anything else ` +
          `with api-version ${STORAGE_SOURCE_SINCE} or later, in 'properties.storageProfile.source'.`,
      );
    else sourceId = id;
  } else if (write === 'put') problems.add(OLD_SOURCE, `Required parameter '${OLD_SOURCE}' is missing (null).`);
  problems.throwIfAny();
  // `storageProfile` is read-only in these versions' models: what a GET showed comes back, taken and left.
  const { storageProfile: _readOnly, ...rest } = props;
  const { source: _older, ...publishingProfile } = publishing ?? {};
  return {
    ...body,
    properties: {
      ...rest,
      ...(publishing ? { publishingProfile } : {}),
      ...(sourceId ? { storageProfile: { source: { id: sourceId } } } : {}),
    },
  };
}

/** The version as `apiVersion` names its source: a managed image in `publishingProfile.source` before 2019-07-01. */
export function versionInFormOf(version: GalleryImageVersion, apiVersion: string | undefined): GalleryImageVersion {
  const id = version.properties.storageProfile.source?.id;
  if (hasStorageSource(apiVersion) || !id || !isManagedImage(id)) return version;
  const publishingProfile = { ...version.properties.publishingProfile, source: { managedImage: { id } } };
  return { ...version, properties: { ...version.properties, publishingProfile } };
}

/**
 * `error`, from a write at `apiVersion`, naming what the request gave where it gave it: before
 * 2019-07-01 the source the operation checked (`storageProfile.source.id`: a missing image, one still
 * replicating) is the request's `publishingProfile.source.managedImage.id`.
 */
export function errorInFormOf(error: unknown, apiVersion: string | undefined): unknown {
  if (hasStorageSource(apiVersion) || !(error instanceof ArmError)) return error;
  const stored = 'properties.storageProfile.source.id';
  const named = (target: string | undefined) => (target === stored ? `${OLD_SOURCE}.managedImage.id` : target);
  if (error.target !== stored && !error.details.some((d) => d.target === stored)) return error;
  const details = error.details.map((d) => ({ ...d, target: named(d.target) }));
  return new ArmError(error.status, error.code, error.message, named(error.target), details, error.headers);
}
