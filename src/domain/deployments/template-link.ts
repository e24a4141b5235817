/**
 * A deployment's `templateLink` and `parametersLink` as ARM reads them: checked in shape (every
 * problem at its JSON path), the URL each one is fetched from (`uri` with `queryString`, a SAS,
 * appended), and a nested deployment's `relativePath` resolved against its parent's own link.
 *
 * ARM's rules kept here: a link is an absolute http or https URI; `relativePath` is a path relative to
 * the `templateLink.uri` of the deployment whose template holds it, and inherits that link's
 * `queryString` unless it has its own; template specs (`id`) are refused, since Kiln has none. URLs in
 * messages never show their query, which may be a SAS.
 */
import { ArmError, type Problems } from '../../core/arm-error.ts';
import { isObject, refuseUnknownFields } from '../shared/validate.ts';

export interface TemplateLink {
  uri?: string;
  relativePath?: string;
  contentVersion?: string;
  queryString?: string;
}

export interface ParametersLink {
  uri: string;
  contentVersion?: string;
}

/** The request's `templateLink`, checked, or undefined when there is none or it is invalid (a problem is added). */
export function checkTemplateLink(value: unknown, problems: Problems): TemplateLink | undefined {
  const at = 'properties.templateLink';
  const given = linkMembers(
    value,
    'templateLink',
    ['uri', 'id', 'relativePath', 'contentVersion', 'queryString'],
    problems,
  );
  if (given === undefined) return undefined;
  if (given.id !== undefined)
    problems.add(
      `${at}.id`,
      "Kiln has no template specs (Microsoft.Resources/templateSpecs); link the template by its 'uri', or send it inline as 'properties.template'.",
      'PropertyNotSupported',
    );
  const link: TemplateLink = givenStrings(given, ['relativePath', 'contentVersion', 'queryString'], at, problems);
  if (given.uri !== undefined) {
    if (checkUri(given.uri, `${at}.uri`, problems)) return { ...link, uri: given.uri as string };
  } else if (given.relativePath !== undefined) {
    problems.add(
      `${at}.relativePath`,
      "A 'relativePath' is resolved against the templateLink.uri of the deployment whose template holds it; a deployment made directly has none, so give the template's 'uri'.",
      'InvalidContentLink',
    );
  } else if (given.id === undefined) needsUri('templateLink', problems);
  return undefined;
}

/** The request's `parametersLink`, checked, or undefined when there is none or it is invalid (a problem is added). */
export function checkParametersLink(value: unknown, problems: Problems): ParametersLink | undefined {
  const at = 'properties.parametersLink';
  const given = linkMembers(value, 'parametersLink', ['uri', 'contentVersion'], problems);
  if (given === undefined) return undefined;
  const link = givenStrings(given, ['contentVersion'], at, problems);
  if (given.uri === undefined) needsUri('parametersLink', problems);
  else if (checkUri(given.uri, `${at}.uri`, problems)) return { ...link, uri: given.uri as string };
  return undefined;
}

const DOCUMENT = { templateLink: 'template', parametersLink: 'parameters file' };

/** A link given as an object of known members; undefined when absent or not an object (a problem is added). */
function linkMembers(
  value: unknown,
  field: keyof typeof DOCUMENT,
  members: string[],
  problems: Problems,
): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) {
    problems.add(
      `properties.${field}`,
      `The '${field}' must be an object with the ${DOCUMENT[field]}'s 'uri'.`,
      'InvalidDeployment',
    );
    return undefined;
  }
  refuseUnknownFields(value, members, `properties.${field}`, problems);
  return value;
}

const needsUri = (field: keyof typeof DOCUMENT, problems: Problems) =>
  problems.add(`properties.${field}`, `The '${field}' needs the ${DOCUMENT[field]}'s 'uri'.`, 'InvalidDeployment');

/** The members of `names` the link gives, each a string (a problem is added for one that is not). */
function givenStrings(
  value: Record<string, unknown>,
  names: string[],
  at: string,
  problems: Problems,
): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const name of names) {
    if (typeof value[name] === 'string') strings[name] = value[name];
    else if (value[name] !== undefined)
      problems.add(`${at}.${name}`, `The '${name}' must be a string.`, 'InvalidRequestContent');
  }
  return strings;
}

/** Where a link is fetched from: its `uri`, with its `queryString` appended as ARM appends it. */
export function linkUrl(link: { uri: string; queryString?: string }): string {
  const query = link.queryString?.replace(/^\?/, '');
  if (!query) return link.uri;
  return `${link.uri}${link.uri.includes('?') ? '&' : '?'}${query}`;
}

/** A URL as messages show it: without its query or user info. */
export function shownUrl(text: string): string {
  return URL.canParse(text) ? `${new URL(text).origin}${new URL(text).pathname}` : text.split('?')[0];
}

/**
 * A nested deployment's evaluated `templateLink` with its `relativePath` resolved against `parent`, the
 * `templateLink` of the deployment whose template holds it: `uri` set to the combination, and the
 * parent's `queryString` (its SAS) carried over unless the link has its own. A link with a `uri` is
 * left as it is. `target` is the relativePath's JSON path, for the refusal.
 */
export function resolveRelativePath(
  parent: unknown,
  link: Record<string, unknown>,
  target: string,
): Record<string, unknown> {
  const relativePath = link.relativePath;
  if (relativePath === undefined || link.uri !== undefined) return link;
  const base = isObject(parent) && typeof parent.uri === 'string' ? parent.uri : undefined;
  if (base === undefined)
    throw new ArmError(
      400,
      'InvalidContentLink',
      `The templateLink.relativePath '${String(relativePath)}' is resolved against the templateLink.uri of the deployment whose template holds it, and that template was not linked by URI: deploy it with 'templateLink', or give this link a 'uri'.`,
      target,
    );
  // A scheme or a leading '//' would name another host: no longer a path relative to the parent.
  if (typeof relativePath !== 'string' || /^([a-z][a-z0-9+.-]*:|[/\\]{2})/i.test(relativePath))
    throw new ArmError(
      400,
      'InvalidContentLink',
      `The templateLink.relativePath '${String(relativePath)}' must be a path relative to the parent template's URI.`,
      target,
    );
  const queryString = link.queryString ?? (parent as Record<string, unknown>).queryString;
  return {
    ...link,
    uri: new URL(relativePath, base).href,
    ...(queryString !== undefined ? { queryString } : {}),
  };
}

function checkUri(value: unknown, target: string, problems: Problems): boolean {
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
  if (url && (url.protocol === 'https:' || url.protocol === 'http:')) return true;
  problems.add(
    target,
    `The provided content link '${typeof value === 'string' ? shownUrl(value) : String(value)}' is invalid or not supported. Content link must be an absolute http or https URI.`,
    'InvalidContentLink',
  );
  return false;
}
