/**
 * The request body of a deployment PUT, validate and what-if, checked as ARM checks it: every problem
 * at its JSON path at once, unknown members refused (never silently dropped). The template is inline
 * or linked (template-link.ts: fetched by linked-content.ts), as are the parameters; the template
 * itself is checked by planning it (template/plan.ts).
 */
import { Problems } from '../../core/arm-error.ts';
import type { SettingsContext } from '../context.ts';
import { checkLocation, checkTags } from '../shared/scope.ts';
import { isObject, refuseUnknownFields } from '../shared/validate.ts';
import type { DeploymentScope } from './deployment.ts';
import { checkParametersLink, checkTemplateLink, type ParametersLink, type TemplateLink } from './template-link.ts';
import { givenValues } from './template/parameters.ts';

export interface DeploymentRequest {
  location?: string;
  tags?: Record<string, string>;
  mode: 'Incremental' | 'Complete';
  /** Inline, or fetched from `templateLink`. */
  template: Record<string, unknown>;
  /** Inline, or read from the file at `parametersLink`. */
  parameters: Record<string, unknown>;
  templateLink?: TemplateLink;
  parametersLink?: ParametersLink;
  debugSetting?: { detailLevel: string };
  /** `whatIfSettings` of a what-if request. */
  resultFormat?: 'FullResourcePayloads' | 'ResourceIdOnly';
}

/** A request as its body gives it: a linked template is not fetched yet. */
export type DeploymentBody = Omit<DeploymentRequest, 'template'> & { template?: Record<string, unknown> };

const NAME = /^[-\w.()]{1,64}$/;
const PROPERTIES = [
  'template',
  'templateLink',
  'parameters',
  'parametersLink',
  'mode',
  'debugSetting',
  'onErrorDeployment',
  'expressionEvaluationOptions',
  'validationLevel',
  'whatIfSettings',
];
const TEMPLATE_MEMBERS = [
  '$schema',
  'contentVersion',
  'apiProfile',
  'languageVersion',
  'definitions',
  'parameters',
  'variables',
  'functions',
  'resources',
  'outputs',
  'metadata',
];

export function validateDeploymentName(name: string, problems: Problems): void {
  if (!NAME.test(name))
    problems.add(
      'name',
      `The deployment name '${name}' is not valid: it must be 1 to 64 letters, digits, '-', '_', '.', '(' or ')'.`,
      'InvalidDeploymentName',
    );
}

export function validateDeploymentBody(
  ctx: SettingsContext,
  scope: DeploymentScope,
  body: Record<string, unknown>,
  kind: 'deployment' | 'whatIf' = 'deployment',
): DeploymentBody {
  const problems = new Problems();
  refuseUnknownFields(body, ['location', 'tags', 'properties', 'identity'], '', problems, {
    readOnly: ['id', 'name', 'type'],
  });
  if (body.identity !== undefined)
    problems.add(
      'identity',
      'Kiln runs a deployment as the principal that creates it; deployment identities are not supported.',
      'PropertyNotSupported',
    );
  let location: string | undefined;
  if (scope.resourceGroup === undefined) {
    if (typeof body.location !== 'string' || body.location === '')
      problems.add('location', 'The location property is required for this definition.', 'LocationRequired');
    else location = checkLocation(ctx, body.location, problems, 'location');
  } else if (body.location !== undefined) {
    problems.add(
      'location',
      'A resource group deployment has the location of its group; do not give one.',
      'InvalidDeploymentLocation',
    );
  }
  const tags = checkTags(body.tags, problems);
  const properties = body.properties;
  if (!isObject(properties)) {
    problems.add('properties', 'The deployment properties are required.', 'InvalidRequestContent');
    problems.throwIfAny();
    throw new Error('unreachable');
  }
  refuseUnknownFields(properties, PROPERTIES, 'properties', problems);
  if (kind === 'deployment' && properties.whatIfSettings !== undefined)
    problems.add('properties.whatIfSettings', "'whatIfSettings' belongs to a what-if request.", 'PropertyNotSupported');
  if (properties.onErrorDeployment !== undefined)
    problems.add(
      'properties.onErrorDeployment',
      'Kiln does not roll back to another deployment on error.',
      'PropertyNotSupported',
    );
  // ARM reads enum values without case (azure-cli's vm create sends 'incremental').
  const mode = ['Incremental', 'Complete'].find((m) => m.toLowerCase() === String(properties.mode).toLowerCase());
  if (mode === undefined)
    problems.add(
      'properties.mode',
      `The deployment mode '${String(mode)}' is not valid: 'Incremental' or 'Complete'.`,
      'InvalidDeploymentMode',
    );
  if (mode === 'Complete' && scope.resourceGroup === undefined)
    problems.add(
      'properties.mode',
      'Complete mode is supported only for resource group deployments.',
      'InvalidDeploymentMode',
    );
  const template = properties.template;
  const templateLink = checkTemplateLink(properties.templateLink, problems);
  const parametersLink = checkParametersLink(properties.parametersLink, problems);
  if (properties.templateLink !== undefined && template !== undefined)
    problems.add(
      'properties.template',
      "The deployment gives both 'template' and 'templateLink'; give one of them.",
      'InvalidDeployment',
    );
  else if (properties.templateLink === undefined && !isObject(template))
    problems.add(
      'properties.template',
      "The deployment needs its 'template' (a JSON object) or a 'templateLink'.",
      'InvalidTemplate',
    );
  else if (isObject(template)) checkTemplate(template, problems);
  if (properties.parametersLink !== undefined && properties.parameters !== undefined)
    problems.add(
      'properties.parameters',
      "The deployment gives both 'parameters' and 'parametersLink'; give one of them.",
      'InvalidDeployment',
    );
  const options = properties.expressionEvaluationOptions;
  if (options !== undefined && !(isObject(options) && ['inner', 'outer'].includes(String(options.scope).toLowerCase())))
    problems.add(
      'properties.expressionEvaluationOptions.scope',
      "The scope must be 'inner' or 'outer'.",
      'InvalidRequestContent',
    );
  let debugSetting: { detailLevel: string } | undefined;
  if (properties.debugSetting !== undefined) {
    const level = isObject(properties.debugSetting) ? properties.debugSetting.detailLevel : undefined;
    if (
      typeof level !== 'string' ||
      !/^(none|requestContent|responseContent|requestContent,\s*responseContent)$/i.test(level)
    )
      problems.add(
        'properties.debugSetting.detailLevel',
        "The detail level must be 'none', 'requestContent', 'responseContent' or 'requestContent, responseContent'.",
        'InvalidRequestContent',
      );
    else debugSetting = { detailLevel: level };
  }
  let resultFormat: DeploymentRequest['resultFormat'];
  if (properties.whatIfSettings !== undefined) {
    const format = isObject(properties.whatIfSettings) ? properties.whatIfSettings.resultFormat : undefined;
    if (format !== undefined && format !== 'FullResourcePayloads' && format !== 'ResourceIdOnly')
      problems.add(
        'properties.whatIfSettings.resultFormat',
        "The result format must be 'FullResourcePayloads' or 'ResourceIdOnly'.",
        'InvalidRequestContent',
      );
    else resultFormat = format;
  }
  let parameters: Record<string, unknown> = {};
  try {
    parameters = givenValues(properties.parameters);
  } catch (error) {
    const e = error as { target?: string; message: string; code: string };
    problems.add(e.target ?? 'properties.parameters', e.message, e.code);
  }
  problems.throwIfAny();
  return {
    ...(location !== undefined ? { location } : {}),
    ...(tags ? { tags } : {}),
    mode: mode as DeploymentRequest['mode'],
    ...(isObject(template) ? { template } : {}),
    parameters,
    ...(templateLink ? { templateLink } : {}),
    ...(parametersLink ? { parametersLink } : {}),
    ...(debugSetting ? { debugSetting } : {}),
    ...(resultFormat ? { resultFormat } : {}),
  };
}

/** The template's own members, inline or fetched: unknown ones refused, `languageVersion` (symbolic names) too. */
export function checkTemplate(template: Record<string, unknown>, problems: Problems): void {
  refuseUnknownFields(template, TEMPLATE_MEMBERS, 'properties.template', problems);
  if (template.languageVersion !== undefined)
    problems.add(
      'properties.template.languageVersion',
      "Kiln deploys templates without 'languageVersion' (resources as an array).",
      'PropertyNotSupported',
    );
}
