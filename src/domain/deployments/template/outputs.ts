/**
 * A template's outputs, evaluated once every resource is deployed (they may `reference()` them):
 * each output's `condition`, its `value` or its `copy` loop, checked against its declared type.
 * Secure outputs are shown with their type only, as ARM shows them.
 */
import { evaluateValue } from './evaluate-value.ts';
import { MAX_COPIES, type TemplateContext } from './template-scope.ts';
import { invalidTemplate, isObject, member } from './template-error.ts';

export type Outputs = Record<string, { type: string; value?: unknown }>;

const TYPES: Record<string, (value: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  securestring: (v) => typeof v === 'string',
  int: (v) => Number.isInteger(v),
  bool: (v) => typeof v === 'boolean',
  object: isObject,
  secureobject: isObject,
  array: Array.isArray,
};

export async function evaluateOutputs(context: TemplateContext): Promise<Outputs> {
  const declared = member(context.facts.template, 'outputs');
  if (declared === undefined) return {};
  if (!isObject(declared))
    throw invalidTemplate("The template's 'outputs' must be an object.", 'properties.template.outputs');
  const outputs: Outputs = {};
  for (const [name, output] of Object.entries(declared)) {
    const path = `properties.template.outputs.${name}`;
    if (!isObject(output) || typeof member(output, 'type') !== 'string')
      throw invalidTemplate(`The template output '${name}' must declare a 'type'.`, `${path}.type`);
    const type = member(output, 'type') as string;
    const check = TYPES[type.toLowerCase()];
    if (!check) throw invalidTemplate(`The template output '${name}' has the unknown type '${type}'.`, `${path}.type`);
    if (
      member(output, 'condition') !== undefined &&
      (await evaluateValue(member(output, 'condition'), context, [], `${path}.condition`)) !== true
    )
      continue;
    const value = await outputValue(context, output, name, path);
    if (!check(value))
      throw invalidTemplate(`The template output '${name}' is not valid: its value is not of type '${type}'.`, path);
    outputs[name] = type.toLowerCase().startsWith('secure')
      ? { type: displayType(type) }
      : { type: displayType(type), value };
  }
  return outputs;
}

async function outputValue(context: TemplateContext, output: Record<string, unknown>, name: string, path: string) {
  const copy = member(output, 'copy');
  if (copy === undefined) return evaluateValue(member(output, 'value'), context, [], `${path}.value`);
  if (!isObject(copy)) throw invalidTemplate(`The copy of output '${name}' must be an object.`, `${path}.copy`);
  const count = await evaluateValue(member(copy, 'count'), context, [], `${path}.copy.count`);
  if (!Number.isInteger(count) || (count as number) < 0 || (count as number) > MAX_COPIES)
    throw invalidTemplate(
      `The copy count of output '${name}' must be an integer from 0 to ${MAX_COPIES}.`,
      `${path}.copy.count`,
    );
  const items: unknown[] = [];
  for (let index = 0; index < (count as number); index++) {
    items.push(
      await evaluateValue(member(copy, 'input'), context, [{ name, index, unnamed: true }], `${path}.copy.input`),
    );
  }
  return items;
}

/** ARM shows output types capitalized: `String`, `Int`, `Bool`, `Object`, `Array`, `SecureString`. */
function displayType(type: string): string {
  const lower = type.toLowerCase();
  if (lower === 'securestring') return 'SecureString';
  if (lower === 'secureobject') return 'SecureObject';
  return lower.charAt(0).toUpperCase() + lower.slice(1);
}
