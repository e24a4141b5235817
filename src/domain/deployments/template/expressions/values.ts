/**
 * Template values as the language sees them: JSON (null, booleans, numbers, strings, arrays, objects),
 * plus the lambda values that exist only as arguments of the lambda functions. Type names are ARM's
 * (String, Integer, Float, Boolean, Array, Object, Null); object property names compare without case,
 * as ARM's JSON objects do, while string values compare ordinally.
 */
import type { Expression } from './parse.ts';

export type JsonObject = { [name: string]: unknown };

/** `lambda('x', 'y', body)`: parameter names, the body's tree, and the lambda variables it was written among. */
export class Lambda {
  constructor(
    readonly parameters: readonly string[],
    readonly body: Expression,
    readonly captured: ReadonlyMap<string, unknown>,
  ) {}
}

export const isObject = (value: unknown): value is JsonObject =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Lambda);

export const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

/** ARM's name for the type of a value, as its messages print it. */
export function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'Null';
  if (typeof value === 'string') return 'String';
  if (typeof value === 'boolean') return 'Boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Integer' : 'Float';
  if (Array.isArray(value)) return 'Array';
  if (value instanceof Lambda) return 'Lambda';
  return 'Object';
}

/** The name under which `object` holds `name`: the exact name first, else the first one equal without case. */
export function findKey(object: JsonObject, name: string): string | undefined {
  if (Object.hasOwn(object, name)) return name;
  const folded = name.toLowerCase();
  return Object.keys(object).find((key) => key.toLowerCase() === folded);
}

/** JToken.DeepEquals: same type and value; arrays in order; objects with the same names and equal values. */
export function deepEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return (a ?? null) === (b ?? null);
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEquals(x, b[i]));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && deepEquals(a[key], b[key]));
  }
  return false;
}

/** A deep copy, so functions that build on their arguments never change a parameter's or variable's value. */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  if (isObject(value)) {
    const copy: JsonObject = {};
    for (const [key, item] of Object.entries(value)) copy[key] = cloneJson(item);
    return copy as T;
  }
  return value;
}

/**
 * Compact JSON as ARM prints objects and arrays in `string()` (Newtonsoft, Formatting.None). With
 * `quote` "'" it is the form `format()` and string interpolation print them in: {'a':'b'}.
 */
export function compactJson(value: unknown, quote: '"' | "'" = '"'): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return quoteString(value, quote);
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => compactJson(item, quote)).join(',')}]`;
  if (value instanceof Lambda) return 'lambda';
  return `{${Object.entries(value as JsonObject)
    .map(([key, item]) => `${quoteString(key, quote)}:${compactJson(item, quote)}`)
    .join(',')}}`;
}

function quoteString(text: string, quote: '"' | "'"): string {
  const json = JSON.stringify(text);
  if (quote === '"') return json;
  return `'${json.slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

/**
 * A value as text, the way ARM's `string()`, `concat()` and `join()` write scalars: strings as they are,
 * integers in decimal, booleans as .NET prints them (True, False), null as nothing, objects and arrays
 * as compact JSON.
 */
export function toText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return String(value);
  return compactJson(value);
}

/** Case-insensitive comparison of strings by their UTF-16 units, as .NET's OrdinalIgnoreCase. */
export function foldCase(text: string): string {
  let out = '';
  for (const unit of text) {
    const upper = unit.toUpperCase();
    out += upper.length === unit.length ? upper : unit;
  }
  return out;
}
