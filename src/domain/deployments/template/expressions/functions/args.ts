/**
 * Reading a function's arguments with ARM's type rules: each reader returns the argument as its type
 * or throws ARM's "expects its ... parameter to be ..." failure naming the type it got.
 */
import { argumentTypeFailure } from '../errors.ts';
import { isInteger, isObject, Lambda, typeName, type JsonObject } from '../values.ts';
import type { CallContext } from './types.ts';

type Args = readonly unknown[];

function read<T>(
  context: CallContext,
  args: Args,
  index: number,
  expected: string,
  test: (value: unknown) => value is T,
): T {
  const value = args[index];
  if (!test(value)) throw argumentTypeFailure(context.name, index, args.length, expected, typeName(value));
  return value;
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';
const isArray = (value: unknown): value is unknown[] => Array.isArray(value);
const isLambda = (value: unknown): value is Lambda => value instanceof Lambda;

export const stringArg = (context: CallContext, args: Args, index: number): string =>
  read(context, args, index, "of type 'String'", isString);

export const integerArg = (context: CallContext, args: Args, index: number): number =>
  read(context, args, index, "of type 'Integer'", isInteger);

export const booleanArg = (context: CallContext, args: Args, index: number): boolean =>
  read(context, args, index, "of type 'Boolean'", isBoolean);

export const arrayArg = (context: CallContext, args: Args, index: number): unknown[] =>
  read(context, args, index, "of type 'Array'", isArray);

export const objectArg = (context: CallContext, args: Args, index: number): JsonObject =>
  read(context, args, index, "of type 'Object'", isObject);

/** A lambda argument taking one of `arities` parameters. */
export function lambdaArg(context: CallContext, args: Args, index: number, arities: readonly number[]): Lambda {
  const lambda = read(context, args, index, 'a lambda function', isLambda);
  if (!arities.includes(lambda.parameters.length)) {
    const counts = arities.join(' or ');
    throw argumentTypeFailure(
      context.name,
      index,
      args.length,
      `a lambda function with ${counts} parameter(s)`,
      `Lambda with ${lambda.parameters.length} parameter(s)`,
    );
  }
  return lambda;
}

/** A string, or an integer written in decimal (padLeft's value). */
export function textArg(context: CallContext, args: Args, index: number): string {
  const value = args[index];
  if (typeof value === 'string') return value;
  if (isInteger(value)) return String(value);
  throw argumentTypeFailure(context.name, index, args.length, "of type 'String' or 'Integer'", typeName(value));
}
