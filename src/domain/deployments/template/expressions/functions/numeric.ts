/**
 * Numeric functions: add, sub, mul, div, mod, min, max, int, float, copyIndex. Integers are 64-bit as in
 * ARM: arithmetic is exact on the values it gets and fails on overflow in ARM's words; `div` truncates
 * toward zero and `mod` takes the dividend's sign (C#'s / and %); neither divides by zero. A fractional
 * number (from json() or float()) is refused where an integer is expected.
 */
import { argumentTypeFailure, ExpressionFailure, functionFailure } from '../errors.ts';
import { isInteger, typeName } from '../values.ts';
import { arrayArg, integerArg, stringArg } from './args.ts';
import { define, type CallContext, type TemplateFunction } from './types.ts';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A template integer as a 64-bit one. Template numbers are JS numbers, exact to 2^53; the largest
 * 64-bit integer, 9223372036854775807, reads as 2^63 and stands for it.
 */
const int64 = (value: number): bigint => (value >= 2 ** 63 ? INT64_MAX : BigInt(value));

const arithmetic = (
  name: string,
  operate: (a: bigint, b: bigint, context: CallContext) => bigint,
): TemplateFunction => ({
  name,
  min: 2,
  max: 2,
  call(args, context) {
    const a = int64(integerArg(context, args, 0));
    const b = int64(integerArg(context, args, 1));
    const result = operate(a, b, context);
    if (result < INT64_MIN || result > INT64_MAX)
      throw new ExpressionFailure(
        `The template language function '${name}' overflowed with the operants '${a}' and '${b}'. Please see https://aka.ms/arm-functions for usage details.`,
      );
    return Number(result);
  },
});

function nonZero(divisor: bigint, context: CallContext): bigint {
  if (divisor === 0n) throw functionFailure(context.name, 'attempted to divide by zero.');
  return divisor;
}

/** min/max: one array of numbers, or the numbers as arguments. */
function extreme(name: string, pick: (a: number, b: number) => number): TemplateFunction {
  return define(name, 1, Infinity, (args, context) => {
    const values = args.length === 1 && Array.isArray(args[0]) ? arrayArg(context, args, 0) : args;
    if (values.length === 0) throw functionFailure(name, 'the array is empty.');
    return values.reduce<number>((best, value, i) => {
      if (typeof value !== 'number')
        throw argumentTypeFailure(name, i, values.length, "of type 'Integer'", typeName(value));
      return i === 0 ? value : pick(best, value);
    }, 0);
  });
}

/** .NET's Convert.ToInt64 of a double: rounds half to even. */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

export const numericFunctions: TemplateFunction[] = [
  arithmetic('add', (a, b) => a + b),
  arithmetic('sub', (a, b) => a - b),
  arithmetic('mul', (a, b) => a * b),
  arithmetic('div', (a, b, context) => a / nonZero(b, context)),
  arithmetic('mod', (a, b, context) => a % nonZero(b, context)),
  extreme('min', Math.min),
  extreme('max', Math.max),
  define('int', 1, 1, ([value]) => {
    if (isInteger(value)) return value;
    if (typeof value === 'number') return roundHalfEven(value);
    if (typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value)) {
      const parsed = BigInt(value.trim());
      if (parsed >= INT64_MIN && parsed <= INT64_MAX) return Number(parsed);
    }
    throw new ExpressionFailure(
      `The template language function 'int' cannot convert provided value '${typeof value === 'string' ? value : typeName(value)}' to integer value. Please see https://aka.ms/arm-function-int for usage details.`,
    );
  }),
  define('float', 1, 1, ([value]) => {
    if (typeof value === 'number') return value;
    if (typeof value === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) return Number(value);
    throw new ExpressionFailure(
      `The template language function 'float' cannot convert provided value '${typeof value === 'string' ? value : typeName(value)}' to a floating point value. Please see https://aka.ms/arm-functions for usage details.`,
    );
  }),
  define('copyIndex', 0, 2, (args, context) => {
    const named = typeof args[0] === 'string';
    if (!named && args.length > 1) stringArg(context, args, 0);
    const loop = named ? (args[0] as string) : undefined;
    const offsetAt = named ? 1 : 0;
    const offset = args.length > offsetAt ? integerArg(context, args, offsetAt) : 0;
    return context.scope.copyIndex(loop) + offset;
  }),
];
