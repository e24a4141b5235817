/**
 * Array functions, and the collection functions ARM lists under arrays, strings and objects alike
 * (concat, contains, empty, first, last, indexOf, lastIndexOf, length, skip, take, intersection, union).
 *
 * The rules Azure documents and its engine shows: `contains` is case-sensitive for strings and array
 * items but not for object keys; `indexOf`/`lastIndexOf` ignore case in strings and compare array items
 * exactly (type included); `first`/`last` of an empty array are null and of an empty string ''; `union`
 * keeps first occurrences and merges nested objects (not arrays); `intersection` keeps the first
 * argument's order; `concat` joins arrays, or else strings, integers and booleans as text.
 */
import { argumentTypeFailure, ExpressionFailure, functionFailure } from '../errors.ts';
import {
  cloneJson,
  deepEquals,
  findKey,
  foldCase,
  isInteger,
  isObject,
  toText,
  typeName,
  type JsonObject,
} from '../values.ts';
import { arrayArg, integerArg } from './args.ts';
import { define, type CallContext, type TemplateFunction } from './types.ts';

const one = (name: string, call: TemplateFunction['call']) => define(name, 1, 1, call);
const two = (name: string, call: TemplateFunction['call']) => define(name, 2, 2, call);

function typeFailure(context: CallContext, args: readonly unknown[], index: number, expected: string) {
  return argumentTypeFailure(context.name, index, args.length, expected, typeName(args[index]));
}

function concat(args: unknown[], context: CallContext): unknown {
  if (args.some(Array.isArray)) {
    const items: unknown[] = [];
    args.forEach((arg, i) => {
      if (arg === null) return;
      if (!Array.isArray(arg)) throw typeFailure(context, args, i, "of type 'Array' like the others");
      items.push(...arg);
    });
    return items;
  }
  return args
    .map((arg, i) => {
      if (isObject(arg)) throw typeFailure(context, args, i, "of type 'String', 'Integer' or 'Boolean'");
      return toText(arg);
    })
    .join('');
}

function contains(args: unknown[], context: CallContext): boolean {
  const [container, item] = args;
  if (container === null) return false;
  if (typeof container === 'string') {
    if (isObject(item) || Array.isArray(item)) throw typeFailure(context, args, 1, "of type 'String' or 'Integer'");
    return container.includes(toText(item));
  }
  if (Array.isArray(container)) return container.some((element) => deepEquals(element, item));
  if (isObject(container)) {
    if (isObject(item) || Array.isArray(item)) throw typeFailure(context, args, 1, "of type 'String'");
    return findKey(container, toText(item)) !== undefined;
  }
  throw typeFailure(context, args, 0, 'an array, an object, or a string');
}

function sizeOf(args: unknown[], context: CallContext): number {
  const [value] = args;
  if (typeof value === 'string' || Array.isArray(value)) return value.length;
  if (isObject(value)) return Object.keys(value).length;
  throw typeFailure(context, args, 0, 'an array, an object, or a string');
}

/** first/last: a string's character ('' when empty) or an array's item (null when empty). */
function end(which: 'first' | 'last') {
  return one(which, (args, context) => {
    const [value] = args;
    if (value === null) return null;
    if (typeof value === 'string') return value === '' ? '' : which === 'first' ? value[0] : value[value.length - 1];
    if (Array.isArray(value)) return (which === 'first' ? value[0] : value[value.length - 1]) ?? null;
    throw typeFailure(context, args, 0, 'an array or a string');
  });
}

function search(which: 'indexOf' | 'lastIndexOf') {
  return two(which, (args, context) => {
    const [container, item] = args;
    if (typeof container === 'string') {
      if (typeof item !== 'string' && !isInteger(item)) throw typeFailure(context, args, 1, "of type 'String'");
      const haystack = foldCase(container);
      const needle = foldCase(toText(item));
      return which === 'indexOf' ? haystack.indexOf(needle) : haystack.lastIndexOf(needle);
    }
    if (Array.isArray(container)) {
      const indexes = container.map((_, i) => i);
      if (which === 'lastIndexOf') indexes.reverse();
      return indexes.find((i) => deepEquals(container[i], item)) ?? -1;
    }
    throw typeFailure(context, args, 0, 'an array or a string');
  });
}

/** skip/take on a string or an array; counts below zero act as zero, counts past the end as the length. */
function slice(which: 'skip' | 'take') {
  return two(which, (args, context) => {
    const [value] = args;
    const count = integerArg(context, args, 1);
    if (typeof value !== 'string' && !Array.isArray(value)) throw typeFailure(context, args, 0, 'an array or a string');
    const at = Math.min(Math.max(count, 0), value.length);
    return which === 'skip' ? value.slice(at) : value.slice(0, at);
  });
}

/** Arrays or objects, all of one kind, for union and intersection. */
function collections(args: unknown[], context: CallContext): 'arrays' | 'objects' {
  const kind = Array.isArray(args[0]) ? 'arrays' : isObject(args[0]) ? 'objects' : undefined;
  if (!kind) throw typeFailure(context, args, 0, 'an array or an object');
  args.forEach((arg, i) => {
    if (kind === 'arrays' ? !Array.isArray(arg) : !isObject(arg))
      throw typeFailure(
        context,
        args,
        i,
        kind === 'arrays' ? "of type 'Array' like the first" : "of type 'Object' like the first",
      );
  });
  return kind;
}

function distinct(items: unknown[]): unknown[] {
  const kept: unknown[] = [];
  for (const item of items) if (!kept.some((seen) => deepEquals(seen, item))) kept.push(item);
  return kept;
}

/** Deep merge for union: later values replace earlier ones, except objects, which merge. */
function mergeObjects(into: JsonObject, from: JsonObject): JsonObject {
  for (const [key, value] of Object.entries(from)) {
    const existing = findKey(into, key);
    if (existing !== undefined && isObject(into[existing]) && isObject(value))
      into[existing] = mergeObjects(into[existing] as JsonObject, value);
    else into[existing ?? key] = cloneJson(value);
  }
  return into;
}

function union(args: unknown[], context: CallContext): unknown {
  if (collections(args, context) === 'arrays') return distinct((args as unknown[][]).flat(1));
  return (args as JsonObject[]).reduce<JsonObject>((merged, object) => mergeObjects(merged, object), {});
}

function intersection(args: unknown[], context: CallContext): unknown {
  if (collections(args, context) === 'arrays') {
    const [first, ...others] = args as unknown[][];
    return distinct(first.filter((item) => others.every((other) => other.some((x) => deepEquals(x, item)))));
  }
  const [first, ...others] = args as JsonObject[];
  const common: JsonObject = {};
  for (const [key, value] of Object.entries(first)) {
    const everywhere = others.every((other) => {
      const found = findKey(other, key);
      return found !== undefined && deepEquals(other[found], value);
    });
    if (everywhere) common[key] = value;
  }
  return common;
}

/** indexFromEnd/tryIndexFromEnd: the item `reverseIndex` places from the end (1 is the last). */
function fromEnd(name: string, orNull: boolean) {
  return two(name, (args, context) => {
    const items = arrayArg(context, args, 0);
    const reverseIndex = integerArg(context, args, 1);
    if (reverseIndex >= 1 && reverseIndex <= items.length) return items[items.length - reverseIndex];
    if (orNull) return null;
    throw functionFailure(
      name,
      `the index '${reverseIndex}' from the end is out of bounds of an array of length ${items.length}.`,
    );
  });
}

const RANGE_COUNT_MAX = 10_000;
const INT32_MAX = 2_147_483_647;

export const arrayFunctions: TemplateFunction[] = [
  one('array', ([value]) => (Array.isArray(value) ? value : [value])),
  define('concat', 1, Infinity, concat),
  two('contains', contains),
  define('createArray', 0, Infinity, (args) => args),
  one('empty', (args, context) => {
    const [value] = args;
    if (value === null) return true;
    return sizeOf(args, context) === 0;
  }),
  end('first'),
  end('last'),
  one('flatten', (args, context) => {
    const items = arrayArg(context, args, 0);
    return items.flatMap((item, i) => {
      if (!Array.isArray(item))
        throw new ExpressionFailure(
          `The template language function 'flatten' expects an array of arrays. The item at index ${i} is of type '${typeName(item)}'.`,
        );
      return item;
    });
  }),
  fromEnd('indexFromEnd', false),
  fromEnd('tryIndexFromEnd', true),
  search('indexOf'),
  search('lastIndexOf'),
  define('intersection', 2, Infinity, intersection),
  define('union', 2, Infinity, union),
  one('length', sizeOf),
  slice('skip'),
  slice('take'),
  one('distinct', (args, context) => distinct(arrayArg(context, args, 0))),
  two('range', (args, context) => {
    const start = integerArg(context, args, 0);
    const count = integerArg(context, args, 1);
    if (count < 0 || count > RANGE_COUNT_MAX)
      throw functionFailure(
        'range',
        `the count must be a non-negative integer no greater than ${RANGE_COUNT_MAX}; it is '${count}'.`,
      );
    if (start + count > INT32_MAX)
      throw functionFailure(
        'range',
        `the sum of the start index '${start}' and the count '${count}' must be no greater than ${INT32_MAX}.`,
      );
    return Array.from({ length: count }, (_, i) => start + i);
  }),
];
