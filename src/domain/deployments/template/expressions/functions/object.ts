/**
 * Object functions: createObject, items, json, null, objectKeys, shallowMerge, tryGet (contains, empty,
 * intersection, length and union are with the array functions). `items` lists properties sorted by
 * name, ignoring case and keeping the written order of names equal without case, as Azure's engine does.
 */
import { ExpressionFailure, functionFailure } from '../errors.ts';
import { JsonTextError, parseJsonText } from '../json-text.ts';
import { findKey, foldCase, isInteger, isObject, typeName, type JsonObject } from '../values.ts';
import { arrayArg, objectArg, stringArg } from './args.ts';
import { define, type TemplateFunction } from './types.ts';

/** Ordinal, case-insensitive order of property names (.NET's StringComparer.OrdinalIgnoreCase). */
const byFoldedName = (a: string, b: string) => {
  const x = foldCase(a);
  const y = foldCase(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** One step of tryGet: a property name, an array index, or { value, fromEnd } for an index from the end. */
function step(value: unknown, key: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (isObject(value) && typeof key === 'string') {
    const found = findKey(value, key);
    return found === undefined ? null : value[found];
  }
  if (Array.isArray(value)) {
    let index = key;
    if (isObject(key) && isInteger(key.value)) index = key.fromEnd === true ? value.length - key.value : key.value;
    return isInteger(index) && index >= 0 && index < value.length ? value[index] : null;
  }
  return null;
}

export function parseJsonArgument(name: string, text: string): unknown {
  try {
    return parseJsonText(text);
  } catch (error) {
    if (!(error instanceof JsonTextError)) throw error;
    throw functionFailure(name, `the provided value '${text}' is not valid JSON: ${error.message}.`);
  }
}

export const objectFunctions: TemplateFunction[] = [
  define('createObject', 0, Infinity, (args, context) => {
    if (args.length % 2 !== 0)
      throw functionFailure(
        context.name,
        'the function takes keys and values in pairs: the number of parameters must be even.',
      );
    const object: JsonObject = {};
    for (let i = 0; i < args.length; i += 2) {
      const key = stringArg(context, args, i);
      if (findKey(object, key) !== undefined)
        throw functionFailure(context.name, `the key '${key}' is given more than once.`);
      object[key] = args[i + 1];
    }
    return object;
  }),
  define('items', 1, 1, (args, context) => {
    const object = objectArg(context, args, 0);
    return Object.keys(object)
      .sort(byFoldedName)
      .map((key) => ({ key, value: object[key] }));
  }),
  {
    name: 'json',
    min: 1,
    max: 1,
    call: (args, context) => parseJsonArgument(context.name, stringArg(context, args, 0)),
  },
  define('null', 0, 0, () => null),
  define('objectKeys', 1, 1, (args, context) => Object.keys(objectArg(context, args, 0))),
  define('shallowMerge', 1, 1, (args, context) => {
    const merged: JsonObject = {};
    arrayArg(context, args, 0).forEach((item, i) => {
      if (!isObject(item))
        throw new ExpressionFailure(
          `The template language function 'shallowMerge' expects an array of objects. The item at index ${i} is of type '${typeName(item)}'.`,
        );
      for (const [key, value] of Object.entries(item)) merged[findKey(merged, key) ?? key] = value;
    });
    return merged;
  }),
  define('tryGet', 2, Infinity, ([value, ...keys]) => keys.reduce(step, value) ?? null),
];
