/** Microsoft.VirtualMachineImages/imageTemplates: one function per REST operation. */
import { ArmError } from '../../core/arm-error.ts';
import { formatResourceId, type ResourceId } from '../../core/resource-id.ts';
import type { DomainContext, SettingsContext } from '../context.ts';
import { getResource, requireGroupResource, resourceRecord } from '../shared/arm-resource.ts';
import { checkConditions, type Conditions } from '../shared/conditions.ts';
import { listInScope } from '../shared/list-resources.ts';
import type { PageRequest } from '../shared/paging.ts';
import type { ListScope, ResourceRef } from '../shared/resource-ref.ts';
import { requireResourceGroup, requireWritableResourceGroup } from '../shared/scope.ts';
import { checkComputeResourceName, isObject } from '../shared/validate.ts';
import {
  IMAGE_TEMPLATE_KIND,
  type ImageTemplate,
  type ImageTemplateInternal,
  type ImageTemplateRecord,
  type TemplateSource,
} from './image-template.ts';
import { normalizeTemplate, type Warning } from './normalize-template.ts';
import { asCreating, provision, provisionNew } from './provisioning.ts';
import { startRun } from './run/start-run.ts';
import { windowsWarnings } from './run/windows-refusal.ts';
import { validateTemplate, type TemplateSpec } from './validate-template.ts';
import { hasTargetRegions, keepWhatOlderShapeOmits } from './version-shapes.ts';
import { requireVmProfile } from './vm-profile.ts';
import { checkStagingGroupSubscription, stagingGroupDeletes } from './staging-group.ts';
import { finishedOperationOn, type OperationData } from '../operations/operation.ts';
import { triggerDeletes } from './triggers/trigger.ts';

/** An image template, named as every resource directly in a resource group is. */
export type TemplateRef = ResourceRef;
/** A run output of a template: its `runOutputName` under the template's ref. */
export type RunOutputRef = TemplateRef & { runOutputName: string };

export const templateId = (ref: TemplateRef): ResourceId => ({
  subscription: ref.subscription,
  resourceGroup: ref.resourceGroup,
  namespace: 'Microsoft.VirtualMachineImages',
  types: [['imageTemplates', ref.name]],
});

/**
 * Normalizes and validates a template body without storing anything (also what `kiln validate` runs),
 * written for `apiVersion` (the newest when absent).
 */
export function checkTemplate(
  ctx: SettingsContext,
  body: Record<string, unknown>,
  apiVersion?: string,
): { spec: TemplateSpec; warnings: Warning[] } {
  const normalized = normalizeTemplate(body, apiVersion);
  const spec = validateTemplate(ctx, normalized.body);
  return { spec, warnings: [...normalized.warnings, ...windowsWarnings(spec.properties.customize)] };
}

/** The template a spec describes; what a run or validation recorded on `previous` stays until `provision` says otherwise. */
function templateResource(id: ResourceId, spec: TemplateSpec, previous?: ImageTemplate): ImageTemplate {
  const template: ImageTemplate = {
    id: formatResourceId(id),
    name: id.types[0][1],
    type: 'Microsoft.VirtualMachineImages/imageTemplates',
    location: spec.location,
    identity: spec.identity,
    properties: { ...spec.properties, provisioningState: previous?.properties.provisioningState ?? 'Succeeded' },
  };
  if (spec.tags) template.tags = spec.tags;
  // Azure's read-only twin of the group runs stage in; Kiln's own per-run `IT_` groups have no fixed name to show.
  if (spec.properties.stagingResourceGroup)
    template.properties.exactStagingResourceGroup = spec.properties.stagingResourceGroup;
  if (previous?.properties.provisioningError)
    template.properties.provisioningError = previous.properties.provisioningError;
  if (previous?.properties.lastRunStatus) template.properties.lastRunStatus = previous.properties.lastRunStatus;
  // What the last run resolved `latest` to is an output, like lastRunStatus: a repeated PUT keeps it.
  const previousSource = previous?.properties.source;
  if (previousSource && 'exactVersion' in previousSource && previousSource.type === template.properties.source.type) {
    template.properties.source = {
      ...template.properties.source,
      exactVersion: previousSource.exactVersion,
    } as TemplateSource;
  }
  return template;
}

/**
 * The fields neither a run nor validation changes, to compare a PUT on an existing template with what
 * it holds: keys sorted, so that how a field was put together (keepWhatOlderShapeOmits) does not count.
 */
const definition = (t: ImageTemplate) =>
  JSON.stringify(
    {
      location: t.location,
      identity: t.identity,
      properties: {
        ...t.properties,
        source: { ...t.properties.source, exactVersion: undefined },
        provisioningState: undefined,
        lastRunStatus: undefined,
        provisioningError: undefined,
      },
    },
    (_key, value: unknown) =>
      isObject(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))) : value,
  );

/**
 * PUT, with `body` in `apiVersion`'s shape (the newest when absent). A new template is answered, as
 * Azure answers it, `accepted`: Creating, with the operation that checked it to poll (provisioning.ts).
 */
export async function createOrUpdateTemplate(
  ctx: DomainContext,
  ref: TemplateRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
  apiVersion?: string,
) {
  checkComputeResourceName(ref.name, 'imageTemplateName');
  const group = await requireWritableResourceGroup(ctx, ref.subscription, ref.resourceGroup);
  const id = templateId({ ...ref, resourceGroup: group.data.resource.name });
  const existing = await getResource<ImageTemplate, ImageTemplateInternal>(ctx, id);
  checkConditions(conditions, existing?.etag);
  const { spec, warnings } = checkTemplate(ctx, body, apiVersion);
  await requireVmProfile(ctx, spec.properties.vmProfile, spec.location);
  const template = templateResource(id, spec, existing?.data.resource);
  checkStagingGroupSubscription(template);
  if (existing && !hasTargetRegions(apiVersion)) {
    const stored = existing.data.resource.properties.distribute;
    template.properties.distribute = keepWhatOlderShapeOmits(template.properties.distribute, body, stored);
  }
  // Azure's templates are immutable: a PUT may only repeat the template (with new tags); changes go through PATCH.
  if (existing && definition(existing.data.resource) !== definition(template)) {
    throw new ArmError(
      409,
      'UpdateNotSupported',
      `Update of image template '${ref.name}' is not supported: delete it and create it again, or PATCH its tags, identity, distribute or vmProfile.`,
    );
  }
  // Even a repeated PUT checks the references again: it is how a Failed template gets another chance.
  const provisioned = existing ? await provision(ctx, template) : await provisionNew(ctx, template);
  const internal: ImageTemplateInternal = existing?.data.internal ?? { runOutputs: [], blobs: [] };
  const run = existing ? undefined : autoRun(ctx, ref.subscription, provisioned.template, internal);
  const [stored] = await ctx.store.apply([
    {
      op: 'put',
      record: resourceRecord(run?.template ?? provisioned.template, run?.internal ?? internal),
      expect: existing ? { etag: existing.etag } : { absent: true },
    },
    ...(provisioned.operation ? [provisioned.operation.write] : []),
    ...(run?.writes ?? []),
  ]);
  if (run) ctx.jobs.nudge();
  const made = run?.template ?? provisioned.template;
  return {
    status: existing ? (200 as const) : (201 as const),
    template: made,
    accepted: existing ? undefined : asCreating(made),
    etag: stored.etag,
    warnings,
    operation: provisioned.operation?.data,
  };
}

/** PATCH: tags, identity, distribute and vmProfile, as the current api-versions allow. */
export async function updateTemplate(
  ctx: DomainContext,
  ref: TemplateRef,
  body: Record<string, unknown>,
  conditions?: Conditions,
  apiVersion?: string,
) {
  const existing = await getTemplate(ctx, ref);
  checkConditions(conditions, existing.etag);
  const current = existing.data.resource;
  if (current.properties.lastRunStatus?.runState === 'Running') throw running(ref.name);
  const props = isObject(body.properties) ? body.properties : {};
  const frozen = Object.keys(props).filter((field) => !['distribute', 'vmProfile'].includes(field));
  if (frozen.length > 0) {
    throw new ArmError(
      400,
      'PropertyChangeNotAllowed',
      `PATCH may change tags, identity, properties.distribute and properties.vmProfile only, not ${frozen.map((f) => `properties.${f}`).join(', ')}.`,
      `properties.${frozen[0]}`,
    );
  }
  const merged = {
    location: current.location,
    tags: body.tags === undefined ? current.tags : body.tags,
    identity: body.identity === undefined ? current.identity : body.identity,
    properties: { ...current.properties, ...props },
  };
  const { spec, warnings } = checkTemplate(ctx, merged, apiVersion);
  await requireVmProfile(ctx, spec.properties.vmProfile, spec.location);
  const template = templateResource(templateId(ref), spec, current);
  template.name = current.name;
  template.id = current.id;
  // New targets or a new identity are new references; tags and vmProfile leave the provisioning state as it was.
  const provisioned =
    'distribute' in props || body.identity !== undefined
      ? await provision(ctx, template)
      : { template, operation: undefined };
  const changed = definition(current) !== definition(provisioned.template);
  const run = changed ? autoRun(ctx, ref.subscription, provisioned.template, existing.data.internal) : undefined;
  const [stored] = await ctx.store.apply([
    {
      op: 'put',
      record: resourceRecord(run?.template ?? provisioned.template, run?.internal ?? existing.data.internal),
      expect: { etag: existing.etag },
    },
    ...(provisioned.operation ? [provisioned.operation.write] : []),
    ...(run?.writes ?? []),
  ]);
  if (run) ctx.jobs.nudge();
  const made = run?.template ?? provisioned.template;
  return { template: made, etag: stored.etag, warnings, operation: provisioned.operation?.data };
}

/**
 * Azure's `autoRun`: Enabled runs the template when it is created or updated (a PATCH that changes
 * more than its tags), in the batch that writes it; how a deployment builds an image. Not a template
 * that failed validation.
 */
function autoRun(ctx: DomainContext, subscription: string, template: ImageTemplate, internal: ImageTemplateInternal) {
  return template.properties.autoRun.state === 'Enabled' && template.properties.provisioningState !== 'Failed'
    ? startRun(ctx, subscription, template, internal)
    : undefined;
}

export async function getTemplate(ctx: DomainContext, ref: TemplateRef): Promise<ImageTemplateRecord> {
  return requireGroupResource<ImageTemplate, ImageTemplateInternal>(ctx, templateId(ref));
}

export function listTemplates(ctx: DomainContext, where: ListScope, page: PageRequest) {
  return listInScope<ImageTemplate>(ctx, IMAGE_TEMPLATE_KIND, where, page);
}

/**
 * Deleting a template deletes the VHDs its runs produced, as in Azure; refused while a run is going.
 * Deletes the template at once (its blobs by a job) and answers, as the specification lists, with an
 * operation to poll (202), already Succeeded; undefined when there was no template (204).
 */
export async function deleteTemplate(
  ctx: DomainContext,
  ref: TemplateRef,
  conditions?: Conditions,
): Promise<OperationData | undefined> {
  await requireResourceGroup(ctx, ref.subscription, ref.resourceGroup);
  const existing = await getResource<ImageTemplate, ImageTemplateInternal>(ctx, templateId(ref));
  checkConditions(conditions, existing?.etag);
  if (!existing) return undefined;
  if (['Running', 'Canceling'].includes(existing.data.resource.properties.lastRunStatus?.runState ?? ''))
    throw running(ref.name);
  const operation = finishedOperationOn(
    existing.data.resource,
    { subscription: ref.subscription, namespace: 'Microsoft.VirtualMachineImages' },
    ctx.clock.now(),
    { status: 'Succeeded' },
  );
  await ctx.store.apply([
    { op: 'delete', key: existing.key, expect: { etag: existing.etag } },
    // Its triggers go with it, as child resources do, and the staging group its runs made.
    ...(await triggerDeletes(ctx, existing.key)),
    ...(await stagingGroupDeletes(ctx, existing.data.resource)),
    ctx.jobs.enqueueWrite({ task: 'blobs.delete', payload: { blobs: existing.data.internal.blobs } }),
    operation.write,
  ]);
  ctx.jobs.nudge();
  return operation.data;
}

export function running(name: string): ArmError {
  return new ArmError(
    409,
    'Conflict',
    `The image template '${name}' has a run in progress; wait for it or cancel it first.`,
  );
}

/** Run outputs of the last run, as `Microsoft.VirtualMachineImages/imageTemplates/runOutputs` resources. */
export async function listRunOutputs(ctx: DomainContext, ref: TemplateRef) {
  const record = await getTemplate(ctx, ref);
  return record.data.internal.runOutputs.map((output) => ({
    id: `${record.data.resource.id}/runOutputs/${output.runOutputName}`,
    name: output.runOutputName,
    type: 'Microsoft.VirtualMachineImages/imageTemplates/runOutputs',
    properties: {
      ...(output.artifactId ? { artifactId: output.artifactId } : {}),
      ...(output.artifactUri ? { artifactUri: output.artifactUri } : {}),
      provisioningState: output.provisioningState,
      ...(output.kilnBootCheck ? { kilnBootCheck: output.kilnBootCheck } : {}),
    },
  }));
}

export async function getRunOutput(ctx: DomainContext, { runOutputName, ...ref }: RunOutputRef) {
  const output = (await listRunOutputs(ctx, ref)).find((o) => o.name.toLowerCase() === runOutputName.toLowerCase());
  if (!output)
    throw new ArmError(
      404,
      'ResourceNotFound',
      `The run output '${runOutputName}' of image template '${ref.name}' was not found: the template has not run, or has no target with that runOutputName.`,
    );
  return output;
}
