/**
 * Evaluates template values and expressions against a deployment's scope.
 *
 * A template value is walked: strings that are whole expressions ("[...]") are evaluated, a leading "[["
 * is the escaped literal "[", arrays and objects are walked (property names are left as written).
 * Function names compare without case. Arguments are evaluated left to right before the call, except
 * for `if` (only the branch taken), `and`/`or` (stop at the first deciding value) and `lambda` (its
 * body is evaluated per call). Property access ignores case; a missing property is an error naming it,
 * unless reached with `.?`/`[?]` or `tryGet()`. Every failure becomes a TemplateExpressionError with
 * the expression as written and the JSON path of the value it sits in.
 */
import { ArmError } from '../../../../core/arm-error.ts';
import { ExpressionFailure, TemplateExpressionError } from './errors.ts';
import { findFunction } from './functions/registry.ts';
import type { CallContext } from './functions/types.ts';
import { isExpression, parseExpression, type Expression, type FunctionCall } from './parse.ts';
import type { ExpressionScope, UserFunction } from './scope.ts';
import { findKey, isInteger, isObject, Lambda, typeName } from './values.ts';

interface Frame {
  scope: ExpressionScope;
  lambdas: ReadonlyMap<string, unknown>;
  /** The user-defined function whose body is being evaluated, and its arguments by lower-cased name. */
  userFunction?: { label: string; args: ReadonlyMap<string, unknown> };
  depth: number;
}

/** User-defined functions calling each other deeper than this are taken to recurse without end. */
const MAX_FUNCTION_DEPTH = 64;
/** Functions a user-defined function may not call (ARM's rule); any `list*` function too. */
const NOT_IN_USER_FUNCTIONS = new Set(['variables', 'reference', 'references']);

const LAMBDA_MISUSE =
  'A lambda function can only be used as an argument of filter(), groupBy(), map(), mapValues(), reduce(), sort() and toObject().';

/** One expression string as written in the template, brackets included. */
export async function evaluateExpressionText(text: string, scope: ExpressionScope, path: string): Promise<unknown> {
  try {
    return await evaluateText(text, { scope, lambdas: new Map(), depth: 0 });
  } catch (error) {
    throw asTemplateError(error, text, path);
  }
}

/** A JSON value of a template, its expressions evaluated; `path` is its JSON path, for errors. */
export function evaluateTemplateValue(value: unknown, scope: ExpressionScope, path: string): Promise<unknown> {
  return walk(value, path, (text, at) => evaluateExpressionText(text, scope, at));
}

async function walk(
  value: unknown,
  path: string,
  evaluateString: (text: string, path: string) => Promise<unknown>,
): Promise<unknown> {
  if (typeof value === 'string') {
    if (isExpression(value)) return evaluateString(value, path);
    return value.startsWith('[[') && value.endsWith(']') ? value.slice(1) : value;
  }
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const [i, item] of value.entries()) items.push(await walk(item, `${path}[${i}]`, evaluateString));
    return items;
  }
  if (isObject(value)) {
    const object: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      object[key] = await walk(item, memberPath(path, key), evaluateString);
    return object;
  }
  return value;
}

const memberPath = (path: string, key: string) =>
  /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${path}.${key}` : `${path}['${key.replace(/'/g, "''")}']`;

function asTemplateError(error: unknown, text: string, path: string): unknown {
  if (error instanceof TemplateExpressionError) return error;
  if (error instanceof ExpressionFailure)
    return new TemplateExpressionError(error.message, text, path, { position: error.position, code: error.code });
  if (error instanceof ArmError)
    return new TemplateExpressionError(error.message, text, path, { code: error.code, status: error.status });
  // A scope callback refuses with a plain Error carrying ARM's words; other errors (TypeError...) are faults.
  if (error instanceof Error && error.constructor === Error)
    return new TemplateExpressionError(error.message, text, path);
  return error;
}

async function evaluateText(text: string, frame: Frame): Promise<unknown> {
  const value = await evaluate(parseExpression(text), frame);
  if (value instanceof Lambda) throw new ExpressionFailure(LAMBDA_MISUSE);
  return value;
}

async function evaluate(node: Expression, frame: Frame): Promise<unknown> {
  switch (node.kind) {
    case 'string':
    case 'integer':
      return node.value;
    case 'property':
      return member(await evaluate(node.target, frame), node.name, node.safe);
    case 'index':
      return element(await evaluate(node.target, frame), await evaluate(node.index, frame), node.safe);
    case 'call':
      return node.namespace === undefined ? callBuiltIn(node, frame) : callUserFunction(node, frame);
  }
}

function member(target: unknown, name: string, safe: boolean): unknown {
  if (target === null || target === undefined) {
    if (safe) return null;
    throw new ExpressionFailure(`The language expression property '${name}' can't be evaluated on a null value.`);
  }
  if (!isObject(target))
    throw new ExpressionFailure(
      `The language expression property '${name}' can't be evaluated on a value of type '${typeName(target)}'.`,
    );
  const key = findKey(target, name);
  if (key !== undefined) return target[key];
  if (safe) return null;
  throw new ExpressionFailure(
    `The language expression property '${name}' doesn't exist, available properties are '${Object.keys(target).join(', ')}'.`,
  );
}

function element(target: unknown, index: unknown, safe: boolean): unknown {
  if ((target === null || target === undefined) && safe) return null;
  if (Array.isArray(target)) {
    if (!isInteger(index))
      throw new ExpressionFailure(
        `The language expression array index must be an integer; the provided index is of type '${typeName(index)}'.`,
      );
    if (index >= 0 && index < target.length) return target[index];
    if (safe) return null;
    throw new ExpressionFailure(`The language expression property array index '${index}' is out of bounds.`);
  }
  if (isObject(target)) {
    if (typeof index !== 'string')
      throw new ExpressionFailure(
        `The language expression property name must be a string; the provided name is of type '${typeName(index)}'.`,
      );
    return member(target, index, safe);
  }
  throw new ExpressionFailure(
    `The language expression index '[${typeof index === 'string' ? `'${index}'` : String(index)}]' can't be evaluated on a value of type '${typeName(target)}'.`,
  );
}

function context(name: string, frame: Frame): CallContext {
  return {
    name,
    scope: frame.scope,
    lambdaVariables: frame.lambdas,
    parameter(parameterName: string) {
      const own = frame.userFunction;
      if (!own) return frame.scope.parameter(parameterName);
      const key = parameterName.toLowerCase();
      if (!own.args.has(key))
        throw new ExpressionFailure(`The template function '${own.label}' has no parameter '${parameterName}'.`);
      return own.args.get(key);
    },
    evaluate: (node) => evaluate(node, frame),
    invoke: (lambda, values) => invoke(lambda, values, frame),
  };
}

async function callBuiltIn(node: FunctionCall, frame: Frame): Promise<unknown> {
  const fn = findFunction(node.name);
  if (!fn) throw unknownFunction(node.name);
  const lower = fn.name.toLowerCase();
  if (frame.userFunction && (NOT_IN_USER_FUNCTIONS.has(lower) || lower.startsWith('list')))
    throw new ExpressionFailure(
      `The template function '${node.name}' is not expected at this location: user-defined functions can't use variables, reference, references or list functions.`,
    );
  checkArity(fn.name, node.args.length, fn.min, fn.max);
  const callContext = context(fn.name, frame);
  if (fn.lazy) return fn.lazy(node.args, callContext);
  const args = await evaluateArguments(node.args, frame);
  if (!fn.takesLambdas && args.some((arg) => arg instanceof Lambda)) throw new ExpressionFailure(LAMBDA_MISUSE);
  return fn.call!(args, callContext);
}

async function evaluateArguments(nodes: Expression[], frame: Frame): Promise<unknown[]> {
  const args: unknown[] = [];
  for (const node of nodes) args.push(await evaluate(node, frame));
  return args;
}

const unknownFunction = (name: string) =>
  new ExpressionFailure(
    `The template function '${name}' is not valid. Please see https://aka.ms/arm-functions for usage details.`,
  );

function checkArity(name: string, count: number, min: number, max: number): void {
  if (count >= min && count <= max) return;
  const expected = max === Infinity ? `at least ${min}` : min === max ? `${min}` : `between ${min} and ${max}`;
  throw new ExpressionFailure(
    `The template language function '${name}' expects ${expected} parameter(s), but was invoked with ${count}. Please see https://aka.ms/arm-functions for usage details.`,
  );
}

async function invoke(lambda: Lambda, values: unknown[], frame: Frame): Promise<unknown> {
  const lambdas = new Map(lambda.captured);
  lambda.parameters.forEach((name, i) => lambdas.set(name.toLowerCase(), values[i]));
  const value = await evaluate(lambda.body, { ...frame, lambdas });
  if (value instanceof Lambda) throw new ExpressionFailure(LAMBDA_MISUSE);
  return value;
}

async function callUserFunction(node: FunctionCall, frame: Frame): Promise<unknown> {
  const label = `${node.namespace}.${node.name}`;
  const key = label.toLowerCase();
  const fn = frame.scope.userFunctions?.get(key);
  if (!fn) throw unknownFunction(label);
  const args = await evaluateArguments(node.args, frame);
  if (args.some((arg) => arg instanceof Lambda)) throw new ExpressionFailure(LAMBDA_MISUSE);
  const named = bindArguments(fn, label, args);
  if (frame.depth >= MAX_FUNCTION_DEPTH)
    throw new ExpressionFailure(`The template function '${label}' calls itself without end.`);
  const inner: Frame = {
    scope: frame.scope,
    lambdas: new Map(),
    depth: frame.depth + 1,
    userFunction: { label, args: named },
  };
  let value: unknown;
  try {
    value = await walk(fn.output.value, 'output', (text) => evaluateText(text, inner));
  } catch (error) {
    if (error instanceof ExpressionFailure && !error.message.startsWith(`In the template function '${label}'`))
      throw new ExpressionFailure(`In the template function '${label}': ${error.message}`, undefined, error.code);
    throw error;
  }
  if (!matchesType(value, fn.output.type))
    throw new ExpressionFailure(
      `The template function '${label}' returned a value of type '${typeName(value)}', but its output is declared as '${fn.output.type}'.`,
    );
  return value;
}

function bindArguments(fn: UserFunction, label: string, args: unknown[]): Map<string, unknown> {
  if (args.length !== fn.parameters.length)
    throw new ExpressionFailure(
      `The template function '${label}' expects ${fn.parameters.length} parameter(s), but was invoked with ${args.length}.`,
    );
  const named = new Map<string, unknown>();
  fn.parameters.forEach((parameter, i) => {
    if (!matchesType(args[i], parameter.type))
      throw new ExpressionFailure(
        `The template function '${label}' expects its parameter '${parameter.name}' to be of type '${parameter.type}'. The provided value is of type '${typeName(args[i])}'.`,
      );
    named.set(parameter.name.toLowerCase(), args[i]);
  });
  return named;
}

/** Whether `value` is of the template type `type` (string, securestring, int, bool, object, secureobject, array). */
function matchesType(value: unknown, type: string): boolean {
  switch (type.toLowerCase()) {
    case 'string':
    case 'securestring':
      return typeof value === 'string';
    case 'int':
      return isInteger(value);
    case 'bool':
      return typeof value === 'boolean';
    case 'object':
    case 'secureobject':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    default:
      return true;
  }
}
