/**
 * Lambda functions: lambda, lambdaVariables, filter, map, reduce, sort, toObject, groupBy, mapValues.
 * `lambda('x', 'i', body)` is not evaluated where it is written: each call binds its parameters as lambda
 * variables (read with `lambdaVariables('x')`) and evaluates the body. map and filter pass the item and,
 * to a second parameter, its index; reduce passes the accumulator, the item and the index; sort's lambda
 * says whether its first argument goes before its second (the sort is stable).
 */
import { argumentTypeFailure, ExpressionFailure } from '../errors.ts';
import { findKey, Lambda, typeName, type JsonObject } from '../values.ts';
import { arrayArg, lambdaArg, objectArg, stringArg } from './args.ts';
import { define, type CallContext, type TemplateFunction } from './types.ts';

function lambdaResult<T>(value: unknown, expected: string, test: (v: unknown) => v is T, context: CallContext): T {
  if (!test(value))
    throw new ExpressionFailure(
      `The lambda function of '${context.name}' must return ${expected}. It returned a value of type '${typeName(value)}'.`,
    );
  return value;
}
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isString = (v: unknown): v is string => typeof v === 'string';

async function sortBy(items: unknown[], before: (a: unknown, b: unknown) => Promise<boolean>): Promise<unknown[]> {
  if (items.length <= 1) return items;
  const middle = Math.floor(items.length / 2);
  const left = await sortBy(items.slice(0, middle), before);
  const right = await sortBy(items.slice(middle), before);
  const merged: unknown[] = [];
  while (left.length && right.length) merged.push((await before(right[0], left[0])) ? right.shift() : left.shift());
  return [...merged, ...left, ...right];
}

/** toObject/groupBy: each item's key (the first lambda) and value (the second lambda, else the item). */
async function keyed(args: unknown[], context: CallContext): Promise<Array<[string, unknown]>> {
  const items = arrayArg(context, args, 0);
  const keyOf = lambdaArg(context, args, 1, [1]);
  const valueOf = args.length > 2 ? lambdaArg(context, args, 2, [1]) : undefined;
  const pairs: Array<[string, unknown]> = [];
  for (const item of items) {
    const key = lambdaResult(await context.invoke(keyOf, [item]), 'a string', isString, context);
    pairs.push([key, valueOf ? await context.invoke(valueOf, [item]) : item]);
  }
  return pairs;
}

/** A function taking lambdas: `min`-`max` arguments, the lambdas among them. */
const withLambdas = (name: string, min: number, max: number, call: TemplateFunction['call']): TemplateFunction => ({
  name,
  min,
  max,
  takesLambdas: true,
  call,
});

/** Sets `key` in `object`, replacing a property whose name equals it without case. */
function put(object: JsonObject, key: string, value: unknown): void {
  object[findKey(object, key) ?? key] = value;
}

export const lambdaFunctions: TemplateFunction[] = [
  {
    name: 'lambda',
    min: 2,
    max: Infinity,
    async lazy(args, context) {
      const names: string[] = [];
      for (const [i, node] of args.slice(0, -1).entries()) {
        const name = await context.evaluate(node);
        if (typeof name !== 'string')
          throw argumentTypeFailure('lambda', i, args.length, "of type 'String'", typeName(name));
        if (names.some((other) => other.toLowerCase() === name.toLowerCase()))
          throw new ExpressionFailure(`The lambda function declares the variable '${name}' more than once.`);
        names.push(name);
      }
      return new Lambda(names, args[args.length - 1], context.lambdaVariables);
    },
  },
  define('lambdaVariables', 1, 1, (args, context) => {
    const name = stringArg(context, args, 0);
    const key = name.toLowerCase();
    if (!context.lambdaVariables.has(key))
      throw new ExpressionFailure(
        `The lambda variable '${name}' is not defined here: it must be a parameter of an enclosing lambda function.`,
      );
    return context.lambdaVariables.get(key);
  }),
  withLambdas('filter', 2, 2, async (args, context) => {
    const items = arrayArg(context, args, 0);
    const keep = lambdaArg(context, args, 1, [1, 2]);
    const kept: unknown[] = [];
    for (const [i, item] of items.entries())
      if (lambdaResult(await context.invoke(keep, [item, i]), 'a boolean', isBoolean, context)) kept.push(item);
    return kept;
  }),
  withLambdas('map', 2, 2, async (args, context) => {
    const items = arrayArg(context, args, 0);
    const transform = lambdaArg(context, args, 1, [1, 2]);
    const mapped: unknown[] = [];
    for (const [i, item] of items.entries()) mapped.push(await context.invoke(transform, [item, i]));
    return mapped;
  }),
  withLambdas('reduce', 3, 3, async (args, context) => {
    const items = arrayArg(context, args, 0);
    const combine = lambdaArg(context, args, 2, [2, 3]);
    let current = args[1];
    for (const [i, item] of items.entries()) current = await context.invoke(combine, [current, item, i]);
    return current;
  }),
  withLambdas('sort', 2, 2, (args, context) => {
    const items = arrayArg(context, args, 0);
    const before = lambdaArg(context, args, 1, [2]);
    return sortBy(items, async (a, b) =>
      lambdaResult(await context.invoke(before, [a, b]), 'a boolean', isBoolean, context),
    );
  }),
  withLambdas('toObject', 2, 3, async (args, context) => {
    const object: JsonObject = {};
    for (const [key, value] of await keyed(args, context)) put(object, key, value);
    return object;
  }),
  withLambdas('groupBy', 2, 3, async (args, context) => {
    const groups: JsonObject = {};
    for (const [key, value] of await keyed(args, context)) {
      const existing = findKey(groups, key);
      if (existing === undefined) groups[key] = [value];
      else (groups[existing] as unknown[]).push(value);
    }
    return groups;
  }),
  withLambdas('mapValues', 2, 2, async (args, context) => {
    const object = objectArg(context, args, 0);
    const transform = lambdaArg(context, args, 1, [1]);
    const mapped: JsonObject = {};
    for (const [key, value] of Object.entries(object)) mapped[key] = await context.invoke(transform, [value]);
    return mapped;
  }),
];
