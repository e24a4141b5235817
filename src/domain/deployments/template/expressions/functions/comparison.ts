/**
 * Comparison functions: coalesce, equals, greater, greaterOrEquals, less, lessOrEquals.
 * `equals` compares deeply and ordinally (strings with case, arrays in order, objects by name and value).
 * The ordering functions take two numbers or two strings; strings compare the way .NET's culture-aware
 * comparison does (so 'a' sorts before 'A', and greater('A', 'a') is true, as Azure's examples show).
 */
import { ExpressionFailure } from '../errors.ts';
import { deepEquals, typeName } from '../values.ts';
import { define, type CallContext, type TemplateFunction } from './types.ts';

const collator = new Intl.Collator('en-US', { sensitivity: 'variant' });

function compare(args: unknown[], context: CallContext): number {
  const [a, b] = args;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return collator.compare(a, b);
  throw new ExpressionFailure(
    `The template language function '${context.name}' expects two integers or two strings. The provided values are of type '${typeName(a)}' and '${typeName(b)}'. Please see https://aka.ms/arm-functions for usage details.`,
  );
}

const ordering = (name: string, test: (order: number) => boolean): TemplateFunction => ({
  name,
  min: 2,
  max: 2,
  call: (args, context) => test(compare(args, context)),
});

export const comparisonFunctions: TemplateFunction[] = [
  define('coalesce', 1, Infinity, (args) => args.find((value) => value !== null && value !== undefined) ?? null),
  define('equals', 2, 2, ([a, b]) => deepEquals(a, b)),
  ordering('greater', (order) => order > 0),
  ordering('greaterOrEquals', (order) => order >= 0),
  ordering('less', (order) => order < 0),
  ordering('lessOrEquals', (order) => order <= 0),
];
