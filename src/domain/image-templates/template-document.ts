/**
 * Reads an image template as people keep them in files: the resource itself (`{location,
 * properties}`), or an ARM deployment template whose `resources` hold one
 * `Microsoft.VirtualMachineImages/imageTemplates` (Azure's own samples), with `<placeholder>` values
 * to fill and `[parameters('x')]` / `[variables('x')]` expressions. Both are filled from the same
 * variables, so Azure's sample templates run as they are: `--var imageTemplateName=web --var region1=westus`.
 */
import { Problems } from '../../core/arm-error.ts';
import { isObject } from '../shared/validate.ts';
import type { Warning } from './normalize-template.ts';

export interface TemplateDocument {
  /** The resource name the file gives (an ARM deployment's resource `name`), if any. */
  name?: string;
  /** Where the resource sits in the file (`resources[0]`), to prefix validation paths with; '' for a bare resource. */
  resourcePath: string;
  /** The template resource body, variables filled in. */
  body: Record<string, unknown>;
  warnings: Warning[];
}

const PLACEHOLDER = /<([A-Za-z][A-Za-z0-9_.-]*)>/g;
const EXPRESSION = /^\[\s*(parameters|variables)\(\s*'([^']+)'\s*\)\s*\]$/;
const TEMPLATE_TYPE = 'microsoft.virtualmachineimages/imagetemplates';

/**
 * Fills the document; every unfilled placeholder or expression is a problem with its JSON path,
 * thrown all at once as an ArmError. `inline` script lines may hold `<tag>` text that is not a
 * placeholder (HTML, heredocs), so unfilled ones there only warn.
 */
export function readTemplateDocument(document: unknown, vars: Record<string, string>): TemplateDocument {
  const problems = new Problems();
  if (!isObject(document)) {
    problems.add(
      '$',
      'The template must be a JSON object: an image template resource or an ARM deployment template holding one.',
    );
    problems.throwIfAny();
  }
  const doc = document as Record<string, unknown>;
  const warnings: Warning[] = [];
  let resource = doc;
  let at = '';
  let lookup = (_kind: string, _name: string): unknown => undefined;
  if (Array.isArray(doc.resources)) {
    const index = doc.resources.findIndex(
      (r) => isObject(r) && typeof r.type === 'string' && r.type.toLowerCase() === TEMPLATE_TYPE,
    );
    if (index < 0) {
      problems.add('resources', `The deployment template has no resource of type '${TEMPLATE_TYPE}'.`);
      problems.throwIfAny();
    }
    if (
      doc.resources.filter((r) => isObject(r) && typeof r.type === 'string' && r.type.toLowerCase() === TEMPLATE_TYPE)
        .length > 1
    ) {
      warnings.push({
        target: 'resources',
        message: 'The deployment template holds several image templates; the first one is used.',
      });
    }
    resource = doc.resources[index] as Record<string, unknown>;
    at = `resources[${index}].`;
    lookup = deploymentValues(doc);
  }
  const fill = (value: unknown, path: string, inScript: boolean): unknown => {
    if (typeof value === 'string') return fillString(value, path, inScript);
    if (Array.isArray(value)) return value.map((item, i) => fill(item, `${path}[${i}]`, inScript));
    if (isObject(value)) {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [
          fillString(key, join(path, key), false),
          fill(item, join(path, key), inScript || key === 'inline'),
        ]),
      );
    }
    return value;
  };
  const fillString = (text: string, path: string, inScript: boolean): unknown => {
    const expression = EXPRESSION.exec(text);
    if (expression) {
      const value = vars[expression[2]] ?? lookup(expression[1], expression[2]);
      if (value === undefined)
        problems.add(
          path,
          `'${text}' has no value: the deployment template defines no default for ${expression[1]} '${expression[2]}'. Pass --var ${expression[2]}=VALUE.`,
          'MissingTemplateValue',
        );
      return value ?? text;
    }
    return text.replace(PLACEHOLDER, (whole, name: string) => {
      if (vars[name] !== undefined) return vars[name];
      if (inScript)
        warnings.push({
          target: path,
          message: `'${whole}' looks like a placeholder but no --var ${name}=... was given; it stays as written.`,
        });
      else
        problems.add(
          path,
          `The placeholder '${whole}' has no value. Pass --var ${name}=VALUE.`,
          'MissingTemplateValue',
        );
      return whole;
    });
  };
  const filled = fill(resource, at.replace(/\.$/, ''), false) as Record<string, unknown>;
  problems.throwIfAny();
  const { name, ...body } = filled;
  return {
    ...(typeof name === 'string' && name !== '' ? { name } : {}),
    resourcePath: at.replace(/\.$/, ''),
    body,
    warnings,
  };
}

/** Parameters (given, else their defaultValue) and variables of an ARM deployment template. */
function deploymentValues(doc: Record<string, unknown>) {
  const parameters = isObject(doc.parameters) ? doc.parameters : {};
  const variables = isObject(doc.variables) ? doc.variables : {};
  return (kind: string, name: string): unknown => {
    if (kind === 'variables')
      return typeof variables[name] === 'string' || typeof variables[name] === 'number' ? variables[name] : undefined;
    const parameter = parameters[name];
    return isObject(parameter) ? parameter.defaultValue : undefined;
  };
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
