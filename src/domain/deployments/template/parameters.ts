/**
 * A template's parameters bound to a deployment's values, as ARM binds them: every value given must
 * be declared, every declared one given or defaulted (defaults are expressions, evaluated with the
 * other parameters, where `utcNow()` and `newGuid()` are allowed), of its type, within its allowed
 * values and bounds. Every problem is reported at once, each at its JSON path.
 */
import { ArmError, Problems } from '../../../core/arm-error.ts';
import type { ExpressionScope } from './expressions/scope.ts';
import { evaluateExpressionText } from './expressions/evaluate.ts';
import { isExpression } from './expressions/parse.ts';
import { isObject, member, reasonOf } from './template-error.ts';

export interface BoundParameters {
  values: Record<string, unknown>;
  /** Names of the `securestring` and `secureObject` parameters: never shown, logged or kept after the run. */
  secure: string[];
  /** Declared types by name, as the deployment shows its parameters (`String`, `SecureString`, ...). */
  types: Record<string, string>;
}

const TYPES: Record<string, string> = {
  string: 'String',
  securestring: 'SecureString',
  int: 'Int',
  bool: 'Bool',
  object: 'Object',
  secureobject: 'SecureObject',
  array: 'Array',
};

export async function bindParameters(
  template: Record<string, unknown>,
  given: Record<string, unknown>,
  baseScope: Omit<ExpressionScope, 'parameter'>,
): Promise<BoundParameters> {
  const declared = member(template, 'parameters');
  const declarations = isObject(declared) ? declared : {};
  const problems = new Problems();
  const names = Object.keys(declarations);
  const undeclared = Object.keys(given).filter((g) => !names.some((n) => n.toLowerCase() === g.toLowerCase()));
  if (undeclared.length > 0) {
    problems.add(
      'properties.parameters',
      `The template parameters '${undeclared.join(', ')}' in the parameters file are not valid; they are not present in the original template and can therefore not be provided at deployment time. The only supported parameters for this template are '${names.join(', ')}'.`,
      'InvalidTemplate',
    );
  }
  const values: Record<string, unknown> = {};
  const types: Record<string, string> = {};
  const secure: string[] = [];
  const scope: ExpressionScope = {
    ...baseScope,
    allowNonDeterministic: true,
    parameter: (name) => {
      const key = names.find((n) => n.toLowerCase() === name.toLowerCase());
      if (key === undefined) throw new Error(`The template parameter '${name}' is not found.`);
      if (key in values) return values[key];
      throw new Error(`The default value of a parameter may use only parameters declared before it; '${key}' is not.`);
    },
  };
  for (const name of names) {
    const declaration = declarations[name];
    const path = `properties.template.parameters.${name}`;
    if (!isObject(declaration) || typeof member(declaration, 'type') !== 'string') {
      problems.add(`${path}.type`, `The template parameter '${name}' must declare a 'type'.`, 'InvalidTemplate');
      continue;
    }
    const type = TYPES[(member(declaration, 'type') as string).toLowerCase()];
    if (!type) {
      problems.add(
        `${path}.type`,
        `The template parameter '${name}' has type '${String(member(declaration, 'type'))}'; allowed types are ${Object.values(TYPES).join(', ')}.`,
        'InvalidTemplate',
      );
      continue;
    }
    types[name] = type;
    if (type.startsWith('Secure')) secure.push(name);
    const givenKey = Object.keys(given).find((g) => g.toLowerCase() === name.toLowerCase());
    let value: unknown;
    if (givenKey !== undefined) {
      value = given[givenKey];
    } else if (member(declaration, 'defaultValue') !== undefined) {
      try {
        value = await evaluateDefault(member(declaration, 'defaultValue'), scope, `${path}.defaultValue`);
      } catch (error) {
        problems.add(
          `${path}.defaultValue`,
          `The default value of the template parameter '${name}' is not valid: ${reasonOf(error)}`,
          'InvalidTemplate',
        );
        continue;
      }
    } else {
      problems.add(
        `properties.parameters.${name}`,
        `The value for the template parameter '${name}' is not provided. Please see https://aka.ms/arm-create-parameter-file for usage details.`,
        'InvalidTemplate',
      );
      continue;
    }
    const complaint = checkValue(name, type, declaration, value);
    if (complaint) problems.add(`properties.parameters.${givenKey ?? name}`, complaint, 'InvalidTemplate');
    else values[name] = value;
  }
  problems.throwIfAny();
  return { values, secure, types };
}

/** A default value: an expression string, or a literal walked for expressions (objects and arrays may hold them). */
async function evaluateDefault(value: unknown, scope: ExpressionScope, path: string): Promise<unknown> {
  if (typeof value === 'string') {
    if (isExpression(value)) return evaluateExpressionText(value, scope, path);
    return value.startsWith('[[') && value.endsWith(']') ? value.slice(1) : value;
  }
  if (Array.isArray(value)) return Promise.all(value.map((v, i) => evaluateDefault(v, scope, `${path}[${i}]`)));
  if (isObject(value)) {
    const result: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) result[k] = await evaluateDefault(v, scope, `${path}.${k}`);
    return result;
  }
  return value;
}

function typeOfValue(value: unknown): string {
  if (typeof value === 'string') return 'String';
  if (typeof value === 'boolean') return 'Boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Integer' : 'Float';
  if (Array.isArray(value)) return 'Array';
  if (value === null) return 'Null';
  return 'Object';
}

const EXPECTED: Record<string, string> = {
  String: 'String',
  SecureString: 'String',
  Int: 'Integer',
  Bool: 'Boolean',
  Object: 'Object',
  SecureObject: 'Object',
  Array: 'Array',
};

/** ARM's complaint about a parameter's value, or undefined when it is fine. */
function checkValue(
  name: string,
  type: string,
  declaration: Record<string, unknown>,
  value: unknown,
): string | undefined {
  const expected = EXPECTED[type];
  const actual = typeOfValue(value);
  if (expected !== actual)
    return `Template parameter '${name}' was provided an invalid value. Expected a value of type '${expected}', but received a value of type '${actual}'.`;
  const invalid = `The provided value for the template parameter '${name}' is not valid.`;
  const allowed = member(declaration, 'allowedValues');
  if (Array.isArray(allowed)) {
    const candidates = Array.isArray(value) ? value : [value];
    const outside = candidates.filter((v) => !allowed.some((a) => sameJson(a, v)));
    if (outside.length > 0)
      return `${invalid} The value '${outside.map(show).join(',')}' is not part of the allowed value(s): '${allowed.map(show).join(',')}'.`;
  }
  const length = typeof value === 'string' || Array.isArray(value) ? value.length : undefined;
  const minLength = member(declaration, 'minLength');
  const maxLength = member(declaration, 'maxLength');
  if (length !== undefined && typeof minLength === 'number' && length < minLength)
    return `${invalid} Length of the value should be greater than or equal to '${minLength}'.`;
  if (length !== undefined && typeof maxLength === 'number' && length > maxLength)
    return `${invalid} Length of the value should be less than or equal to '${maxLength}'.`;
  const minValue = member(declaration, 'minValue');
  const maxValue = member(declaration, 'maxValue');
  if (typeof value === 'number' && typeof minValue === 'number' && value < minValue)
    return `${invalid} The value should be greater than or equal to '${minValue}'.`;
  if (typeof value === 'number' && typeof maxValue === 'number' && value > maxValue)
    return `${invalid} The value should be less than or equal to '${maxValue}'.`;
  return undefined;
}

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** ARM compares allowed values as JSON, strings without case. */
function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The request's `parameters` (`{ name: { value } }`) as plain values; Key Vault references are refused. */
export function givenValues(parameters: unknown): Record<string, unknown> {
  if (parameters === undefined || parameters === null) return {};
  if (!isObject(parameters))
    throw new ArmError(
      400,
      'InvalidRequestContent',
      'The deployment parameters must be a JSON object.',
      'properties.parameters',
    );
  const values: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(parameters)) {
    const path = `properties.parameters.${name}`;
    if (isObject(entry) && 'reference' in entry)
      throw new ArmError(
        400,
        'InvalidRequestContent',
        `The parameter '${name}' is a Key Vault reference: Kiln has no Key Vault; pass the value itself (securestring parameters are never shown or kept).`,
        path,
      );
    if (!isObject(entry) || !('value' in entry))
      throw new ArmError(
        400,
        'InvalidRequestContent',
        `The parameter '${name}' must be an object with a 'value'.`,
        path,
      );
    values[name] = entry.value;
  }
  return values;
}
