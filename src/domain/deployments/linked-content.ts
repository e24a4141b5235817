/**
 * A deployment's linked content, fetched as ARM fetches it, at PUT, validate and what-if time: the
 * template at `templateLink` and the parameters file at `parametersLink`. The domain does no I/O: the
 * composition root's DocumentFetcher (ports/document-fetcher.ts) fetches, deciding where a URL may go;
 * a process without one (`kiln build`) refuses links. Every refusal is a 400 at the link's JSON path
 * saying why (`InvalidContentLink`), before anything is kept. A nested deployment's link is fetched by
 * that deployment's own PUT, so nothing here looks inside the template's resources, except to refuse
 * up front a `relativePath` that has no parent link to be resolved against.
 */
import { ArmError, Problems } from '../../core/arm-error.ts';
import type { DocumentFetcher } from '../../ports/document-fetcher.ts';
import type { DomainContext } from '../context.ts';
import { linkUrl, resolveRelativePath, shownUrl, type ParametersLink, type TemplateLink } from './template-link.ts';
import { givenValues } from './template/parameters.ts';
import type { PlannedResource } from './template/plan.ts';
import { templateResourceAt } from './template/resource-body.ts';
import { isObject, member } from './template/template-error.ts';
import { checkTemplate, type DeploymentBody, type DeploymentRequest } from './validate-deployment.ts';

export async function withLinkedContent(ctx: DomainContext, body: DeploymentBody): Promise<DeploymentRequest> {
  const { templateLink, parametersLink } = body;
  if (templateLink === undefined && parametersLink === undefined) return body as DeploymentRequest;
  const fetcher = ctx.documents;
  if (fetcher === undefined)
    throw new ArmError(
      400,
      'PropertyNotSupported',
      "This Kiln process fetches no linked templates or parameters (only 'kiln serve' does); send them inline as 'properties.template' and 'properties.parameters'.",
      templateLink ? 'properties.templateLink' : 'properties.parametersLink',
    );
  const problems = new Problems();
  const [template, parametersFile] = await Promise.all([
    templateLink ? fetchLinked(fetcher, templateLink, 'templateLink', problems) : body.template,
    parametersLink ? fetchLinked(fetcher, parametersLink, 'parametersLink', problems) : undefined,
  ]);
  problems.throwIfAny();
  checkTemplate(template!, problems);
  problems.throwIfAny();
  return {
    ...body,
    template: template!,
    ...(parametersFile ? { parameters: parametersOf(parametersFile, parametersLink!) } : {}),
  };
}

/** The JSON object at a link, its contentVersion checked when the link gives one; undefined with a problem added otherwise. */
async function fetchLinked(
  fetcher: DocumentFetcher,
  link: TemplateLink | ParametersLink,
  field: 'templateLink' | 'parametersLink',
  problems: Problems,
): Promise<Record<string, unknown> | undefined> {
  const uri = link.uri!;
  const fetched = await fetcher.fetchJson(linkUrl({ uri, ...('queryString' in link ? link : {}) }));
  const at = `properties.${field}`;
  const problem = (message: string, target = `${at}.uri`) => void problems.add(target, message, 'InvalidContentLink');
  if ('refused' in fetched)
    return problem(`Unable to download deployment content from '${shownUrl(uri)}': ${fetched.refused}.`);
  if (!isObject(fetched.json)) return problem(`The deployment content at '${shownUrl(uri)}' is not a JSON object.`);
  const found = member(fetched.json, 'contentVersion');
  if (link.contentVersion !== undefined && found !== link.contentVersion) {
    const what = field === 'templateLink' ? 'template' : 'parameters file';
    return problem(
      `The content version contained in the ${what} '${String(found)}' does not match the content version found in the deployment object's ${field} property '${link.contentVersion}'.`,
      `${at}.contentVersion`,
    );
  }
  return fetched.json;
}

/** The values a parameters file gives (`{"$schema", "contentVersion", "parameters": {...}}`), refusals at the link. */
function parametersOf(file: Record<string, unknown>, link: ParametersLink): Record<string, unknown> {
  const parameters = member(file, 'parameters');
  const target = 'properties.parametersLink.uri';
  if (!isObject(parameters))
    throw new ArmError(
      400,
      'InvalidContentLink',
      `The parameters file at '${shownUrl(link.uri)}' has no 'parameters' object.`,
      target,
    );
  try {
    return givenValues(parameters);
  } catch (error) {
    if (!(error instanceof ArmError)) throw error;
    throw new ArmError(400, error.code, `In the parameters file at '${shownUrl(link.uri)}': ${error.message}`, target);
  }
}

/**
 * Refuses, before anything is kept, a nested deployment whose `templateLink.relativePath` cannot be
 * resolved against this deployment's own link (template-link.ts): none, or not a relative path.
 */
export function refuseUnresolvableRelativePaths(
  request: Pick<DeploymentRequest, 'template' | 'templateLink'>,
  plan: PlannedResource[],
): void {
  for (const planned of plan.filter((p) => p.deployment)) {
    const properties = member(templateResourceAt(request.template, planned.path), 'properties');
    const link = isObject(properties) ? member(properties, 'templateLink') : undefined;
    if (isObject(link))
      resolveRelativePath(request.templateLink, link, `${planned.path}.properties.templateLink.relativePath`);
  }
}
