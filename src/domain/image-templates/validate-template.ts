/**
 * Checks a whole image template and reports every problem at once, each with its JSON path, so a
 * template author fixes them all in one pass instead of one build at a time.
 */
import { Problems } from '../../core/arm-error.ts';
import { parseResourceId, resourceTypeOf } from '../../core/resource-id.ts';
import type { SettingsContext } from '../context.ts';
import { checkLocation, checkTags, findRegion } from '../shared/scope.ts';
import { enumValue, integerIn, isObject, refuseUnknownFields } from '../shared/validate.ts';
import { CUSTOMIZER_KINDS, type Customizer } from './customizer-kinds.ts';
import type {
  Distributor,
  ImageTemplate,
  ImageTemplateProperties,
  TemplateSource,
  Validator,
} from './image-template.ts';
import { checkOptimize } from './optimize.ts';
import { checkChecksum, checkResourceId, checkUri, requiredString } from './template-fields.ts';
import { checkVmProfile } from './vm-profile.ts';

const P = 'properties';
const RUN_OUTPUT_NAME = /^[A-Za-z0-9._-]{1,64}$/;
/** Azure's in-VM validator types: the script and file customizers. */
const VALIDATOR_KINDS = CUSTOMIZER_KINDS.filter((kind) => ['Shell', 'PowerShell', 'File'].includes(kind.type));
const BUILD_MODES = ['Auto', 'InPlace', 'VM'] as const;
/** The template properties Kiln keeps, Azure's and its own `kilnBuildMode`. */
const PROPERTIES = [
  'source',
  'customize',
  'optimize',
  'validate',
  'distribute',
  'errorHandling',
  'buildTimeoutInMinutes',
  'vmProfile',
  'stagingResourceGroup',
  'autoRun',
  'managedResourceTags',
  'kilnBuildMode',
];
const READ_ONLY = ['provisioningState', 'provisioningError', 'lastRunStatus', 'exactStagingResourceGroup'];
const asksNothing = (value: unknown) => value === null || (Array.isArray(value) && value.length === 0);

export interface TemplateSpec {
  location: string;
  tags?: Record<string, string>;
  identity: ImageTemplate['identity'];
  properties: Omit<ImageTemplateProperties, 'provisioningState'>;
}

export function validateTemplate(ctx: SettingsContext, body: Record<string, unknown>): TemplateSpec {
  const problems = new Problems();
  const location = checkLocation(ctx, body.location, problems);
  const tags = checkTags(body.tags, problems);
  const identity = checkIdentity(body.identity, problems);
  const props = isObject(body.properties) ? body.properties : {};
  if (!isObject(body.properties)) problems.add(P, "Required parameter 'properties' is missing (null).");
  // Nothing is dropped unsaid: what Kiln does not keep (`additionalDataDisks`: it builds the OS disk only) is refused.
  refuseUnknownFields(props, PROPERTIES, P, problems, { readOnly: READ_ONLY, asksNothing: asksNothing });

  const source = checkSource(props.source, problems);
  const customize = checkCustomizers(props.customize, problems);
  const distribute = checkDistributors(ctx, props.distribute, problems);
  const timeout = integerIn(props.buildTimeoutInMinutes, 0, 960, `${P}.buildTimeoutInMinutes`, problems) ?? 0;
  const handling = isObject(props.errorHandling) ? props.errorHandling : {};
  const onBuildError = ['cleanup', 'abort'] as const;
  const properties: TemplateSpec['properties'] = {
    source: source!,
    customize,
    distribute,
    buildTimeoutInMinutes: timeout,
    vmProfile: checkVmProfile(props.vmProfile, problems),
    errorHandling: {
      onCustomizerError:
        enumValue(handling.onCustomizerError, onBuildError, `${P}.errorHandling.onCustomizerError`, problems) ??
        'cleanup',
      onValidationError:
        enumValue(handling.onValidationError, onBuildError, `${P}.errorHandling.onValidationError`, problems) ??
        'cleanup',
    },
    autoRun: {
      state:
        enumValue(
          isObject(props.autoRun) ? props.autoRun.state : undefined,
          ['Enabled', 'Disabled'] as const,
          `${P}.autoRun.state`,
          problems,
        ) ?? 'Disabled',
    },
  };
  // Empty asks for Azure's default: a group of the service's own naming (Kiln's per-run `IT_` groups).
  if (
    props.stagingResourceGroup !== undefined &&
    props.stagingResourceGroup !== null &&
    props.stagingResourceGroup !== ''
  ) {
    const id = typeof props.stagingResourceGroup === 'string' ? parseResourceId(props.stagingResourceGroup) : undefined;
    if (!id || resourceTypeOf(id) !== 'microsoft.resources/resourcegroups')
      problems.add(`${P}.stagingResourceGroup`, `'${P}.stagingResourceGroup' must be the id of a resource group.`);
    else properties.stagingResourceGroup = props.stagingResourceGroup as string;
  }
  if (props.managedResourceTags !== undefined)
    properties.managedResourceTags = checkTags(props.managedResourceTags, problems, `${P}.managedResourceTags`);
  const optimize = checkOptimize(props.optimize, problems);
  if (optimize) properties.optimize = optimize;
  const validate = checkValidate(props.validate, customize, problems);
  if (validate) properties.validate = validate;
  const buildMode = enumValue(props.kilnBuildMode, BUILD_MODES, `${P}.kilnBuildMode`, problems);
  if (buildMode) properties.kilnBuildMode = buildMode;
  if (buildMode === 'InPlace') refuseRestartsInPlace(props.customize, problems);
  problems.throwIfAny();
  return { location, tags, identity, properties };
}

/** A restart needs a running system: a template that keeps its customizers out of the VM cannot have one. */
function refuseRestartsInPlace(raw: unknown, problems: Problems) {
  if (!Array.isArray(raw)) return;
  raw.forEach((entry, i) => {
    if (isObject(entry) && entry.type === 'WindowsRestart')
      problems.add(
        `${P}.customize[${i}].type`,
        `The WindowsRestart customizer '${String(entry.name)}' restarts the build VM, and kilnBuildMode InPlace builds without one. Remove kilnBuildMode (Auto builds in the VM when a template restarts) or set it to VM.`,
        'UnsupportedCustomizerType',
      );
  });
}

function checkIdentity(raw: unknown, problems: Problems): ImageTemplate['identity'] {
  if (raw === undefined || raw === null) return { type: 'None' };
  const identity = isObject(raw) ? raw : {};
  const type = enumValue(identity.type, ['UserAssigned', 'None'] as const, 'identity.type', problems);
  if (type !== 'UserAssigned') return { type: 'None' };
  const assigned = isObject(identity.userAssignedIdentities) ? identity.userAssignedIdentities : {};
  const ids = Object.keys(assigned);
  if (ids.length !== 1)
    problems.add(
      'identity.userAssignedIdentities',
      `An image template takes exactly one user-assigned identity; ${ids.length} were given.`,
    );
  for (const id of ids) {
    const parsed = parseResourceId(id);
    if (!parsed || resourceTypeOf(parsed) !== 'microsoft.managedidentity/userassignedidentities') {
      problems.add(
        'identity.userAssignedIdentities',
        `'${id}' is not the id of a user-assigned managed identity.`,
        'LinkedInvalidPropertyId',
      );
    }
  }
  return { type, userAssignedIdentities: Object.fromEntries(ids.map((id) => [id, {}])) };
}

function checkSource(raw: unknown, problems: Problems): TemplateSource | undefined {
  const target = `${P}.source`;
  if (!isObject(raw)) {
    problems.add(target, `Required parameter '${target}' is missing (null).`);
    return undefined;
  }
  switch (raw.type) {
    case 'PlatformImage': {
      const [publisher, offer, sku, version] = ['publisher', 'offer', 'sku', 'version'].map((f) =>
        requiredString(raw, f, target, problems),
      );
      return {
        type: 'PlatformImage',
        publisher,
        offer,
        sku,
        version,
        ...(isObject(raw.planInfo) ? { planInfo: raw.planInfo as Record<string, string> } : {}),
      };
    }
    case 'ManagedImage':
      return {
        type: 'ManagedImage',
        imageId: checkResourceId(raw.imageId, 'microsoft.compute/images', `${target}.imageId`, problems),
      };
    case 'SharedImageVersion':
      return {
        type: 'SharedImageVersion',
        imageVersionId: checkResourceId(
          raw.imageVersionId,
          'microsoft.compute/galleries/images/versions',
          `${target}.imageVersionId`,
          problems,
        ),
      };
    case 'ISO': {
      const sourceURI = checkUri(raw.sourceURI ?? raw.sourceUri, `${target}.sourceURI`, problems) ?? '';
      if (!sourceURI)
        problems.add(`${target}.sourceURI`, `Required parameter '${target}.sourceURI' is missing (null).`);
      const sha256Checksum = checkChecksum(raw.sha256Checksum, `${target}.sha256Checksum`, problems) ?? '';
      if (!sha256Checksum)
        problems.add(`${target}.sha256Checksum`, `An ISO source needs its '${target}.sha256Checksum'.`);
      return { type: 'ISO', sourceURI, sha256Checksum };
    }
    default:
      problems.add(
        `${target}.type`,
        `The source type '${String(raw.type)}' is not valid. Allowed values: PlatformImage, ManagedImage, SharedImageVersion, ISO.`,
        'BadSourceType',
      );
      return undefined;
  }
}

/** Azure's validate stage; in-VM validators are Shell, PowerShell and File, checked as customizers are. */
function checkValidate(
  raw: unknown,
  customize: Customizer[],
  problems: Problems,
): ImageTemplateProperties['validate'] | undefined {
  const at = `${P}.validate`;
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) {
    problems.add(at, `'${at}' must be an object.`);
    return undefined;
  }
  const flag = (name: string) => {
    const value = raw[name] ?? false;
    if (typeof value !== 'boolean') problems.add(`${at}.${name}`, `'${at}.${name}' must be true or false.`);
    return value === true;
  };
  const validators = checkCustomizers(raw.inVMValidations, problems, {
    target: `${at}.inVMValidations`,
    what: 'validator',
    kinds: VALIDATOR_KINDS,
    code: 'BadValidatorType',
  });
  const validate = {
    continueDistributeOnFailure: flag('continueDistributeOnFailure'),
    sourceValidationOnly: flag('sourceValidationOnly'),
    inVMValidations: validators as Validator[],
  };
  if (validate.sourceValidationOnly && customize.length > 0)
    problems.add(
      `${at}.sourceValidationOnly`,
      `With sourceValidationOnly the source image is validated as it is; the template's ${customize.length} customizer(s) would never run. Remove them or set sourceValidationOnly to false.`,
    );
  return validate;
}

interface CustomizerList {
  target: string;
  /** What the list holds, as messages say it. */
  what: 'customizer' | 'validator';
  kinds: typeof CUSTOMIZER_KINDS;
  code: string;
}

const CUSTOMIZERS: CustomizerList = {
  target: `${P}.customize`,
  what: 'customizer',
  kinds: CUSTOMIZER_KINDS,
  code: 'BadCustomizerType',
};

function checkCustomizers(raw: unknown, problems: Problems, list: CustomizerList = CUSTOMIZERS): Customizer[] {
  const { target, what } = list;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.add(target, `'${target}' must be an array of ${what}s.`);
    return [];
  }
  const names = new Map<string, number>();
  const result: Customizer[] = [];
  raw.forEach((entry, i) => {
    const at = `${target}[${i}]`;
    if (!isObject(entry)) return problems.add(at, `'${at}' must be an object.`);
    const name = requiredString(entry, 'name', at, problems);
    if (name && names.has(name.toLowerCase()))
      problems.add(
        `${at}.name`,
        `The ${what} name '${name}' is already used by ${what} ${names.get(name.toLowerCase())}; every name must be unique, since the log and errors name each step by it. Azure's own example template for Windows (CreateImageTemplateWindows.json, api-version 2025-10-01) repeats a name this way, which Kiln refuses: rename one of them.`,
      );
    names.set(name.toLowerCase(), i);
    const kind = list.kinds.find((k) => k.type === entry.type);
    if (!kind)
      return problems.add(
        `${at}.type`,
        `The ${what} type '${String(entry.type)}' is not valid. Allowed values: ${list.kinds.map((k) => k.type).join(', ')}.`,
        list.code,
      );
    const customizer = kind.check(entry, at, name, problems);
    if (customizer) result.push(customizer);
  });
  return result;
}

function checkDistributors(ctx: SettingsContext, raw: unknown, problems: Problems): Distributor[] {
  const target = `${P}.distribute`;
  if (!Array.isArray(raw) || raw.length === 0) {
    problems.add(target, `'${target}' must list at least one distribution target.`, 'BadDistributeType');
    return [];
  }
  const outputs = new Map<string, number>();
  const result: Distributor[] = [];
  raw.forEach((entry, i) => {
    const at = `${target}[${i}]`;
    if (!isObject(entry)) return problems.add(at, `'${at}' must be an object.`);
    const runOutputName = requiredString(entry, 'runOutputName', at, problems);
    if (runOutputName && !RUN_OUTPUT_NAME.test(runOutputName))
      problems.add(
        `${at}.runOutputName`,
        `The run output name '${runOutputName}' must be 1-64 letters, digits, periods, underscores or hyphens.`,
      );
    if (runOutputName && outputs.has(runOutputName.toLowerCase()))
      problems.add(
        `${at}.runOutputName`,
        `The run output name '${runOutputName}' is already used by distribution target ${outputs.get(runOutputName.toLowerCase())}; every run output name must be unique.`,
      );
    outputs.set(runOutputName.toLowerCase(), i);
    const artifactTags =
      entry.artifactTags === undefined ? undefined : checkTags(entry.artifactTags, problems, `${at}.artifactTags`);
    switch (entry.type) {
      case 'ManagedImage': {
        const imageId = checkResourceId(entry.imageId, 'microsoft.compute/images', `${at}.imageId`, problems);
        const region = typeof entry.location === 'string' ? findRegion(ctx, entry.location) : undefined;
        if (!region)
          problems.add(
            `${at}.location`,
            `'${at}.location' must be one of: ${ctx.settings.regions.map((r) => r.name).join(', ')}.`,
          );
        return result.push({
          type: 'ManagedImage',
          runOutputName,
          imageId,
          location: region?.name ?? '',
          ...(artifactTags ? { artifactTags } : {}),
        });
      }
      case 'SharedImage':
        return result.push(checkSharedImage(ctx, entry, at, runOutputName, artifactTags, problems));
      case 'VHD':
        if (entry.uri !== undefined)
          problems.add(
            `${at}.uri`,
            `Kiln chooses where a VHD goes; leave out '${at}.uri' and read the run output's artifactUri.`,
          );
        return result.push({ type: 'VHD', runOutputName, ...(artifactTags ? { artifactTags } : {}) });
      default:
        return problems.add(
          `${at}.type`,
          `The distribution type '${String(entry.type)}' is not valid. Allowed values: ManagedImage, SharedImage, VHD.`,
          'BadDistributeType',
        );
    }
  });
  return result;
}

function checkSharedImage(
  ctx: SettingsContext,
  entry: Record<string, unknown>,
  at: string,
  runOutputName: string,
  artifactTags: Record<string, string> | undefined,
  problems: Problems,
): Distributor {
  const galleryImageId = checkResourceId(
    entry.galleryImageId,
    'microsoft.compute/galleries/images',
    `${at}.galleryImageId`,
    problems,
  );
  const storageAccountType =
    enumValue(
      entry.storageAccountType,
      ['Standard_LRS', 'Standard_ZRS', 'Premium_LRS'] as const,
      `${at}.storageAccountType`,
      problems,
    ) ?? 'Standard_LRS';
  const regions: Array<{ name: string; replicaCount: number; storageAccountType: string }> = [];
  const addRegion = (name: unknown, replicaCount: unknown, type: unknown, path: string) => {
    const region = typeof name === 'string' ? findRegion(ctx, name) : undefined;
    if (!region)
      return problems.add(
        path,
        `The region '${String(name)}' is not available. Available regions: ${ctx.settings.regions.map((r) => r.name).join(', ')}.`,
      );
    regions.push({
      name: region.name,
      replicaCount: integerIn(replicaCount, 1, 100, `${path}.replicaCount`, problems) ?? 1,
      storageAccountType:
        enumValue(
          type,
          ['Standard_LRS', 'Standard_ZRS', 'Premium_LRS'] as const,
          `${path}.storageAccountType`,
          problems,
        ) ?? storageAccountType,
    });
  };
  if (Array.isArray(entry.targetRegions))
    entry.targetRegions.forEach((r, j) =>
      addRegion(
        isObject(r) ? r.name : r,
        isObject(r) ? r.replicaCount : undefined,
        isObject(r) ? r.storageAccountType : undefined,
        `${at}.targetRegions[${j}]`,
      ),
    );
  else if (Array.isArray(entry.replicationRegions))
    entry.replicationRegions.forEach((r, j) => addRegion(r, undefined, undefined, `${at}.replicationRegions[${j}]`));
  else
    problems.add(
      `${at}.targetRegions`,
      `A SharedImage target needs 'targetRegions' (or the older 'replicationRegions').`,
    );
  const replicationMode = enumValue(
    entry.replicationMode,
    ['Full', 'Shallow'] as const,
    `${at}.replicationMode`,
    problems,
  );
  let versioning: Extract<Distributor, { type: 'SharedImage' }>['versioning'];
  if (isObject(entry.versioning)) {
    const scheme = enumValue(
      entry.versioning.scheme,
      ['Latest', 'Source'] as const,
      `${at}.versioning.scheme`,
      problems,
    );
    if (scheme === 'Latest')
      versioning = {
        scheme,
        ...(entry.versioning.major !== undefined
          ? { major: integerIn(entry.versioning.major, -1, 2 ** 31 - 1, `${at}.versioning.major`, problems) }
          : {}),
      };
    if (scheme === 'Source') versioning = { scheme };
  }
  return {
    type: 'SharedImage',
    runOutputName,
    galleryImageId,
    targetRegions: regions,
    ...(versioning ? { versioning } : {}),
    excludeFromLatest: entry.excludeFromLatest === true,
    storageAccountType,
    ...(replicationMode ? { replicationMode } : {}),
    ...(artifactTags ? { artifactTags } : {}),
  };
}
