/**
 * Logical functions: and, or, not, if, bool, true, false. `if` evaluates only the branch it takes, and
 * `and`/`or` stop at the first argument that decides the result, so a guard such as
 * `and(not(empty(x)), equals(x[0], 'a'))` never evaluates the part it protects against.
 */
import { argumentTypeFailure, invalidParameter } from '../errors.ts';
import type { Expression } from '../parse.ts';
import { typeName } from '../values.ts';
import { booleanArg } from './args.ts';
import { define, type CallContext, type TemplateFunction } from './types.ts';

async function booleanOf(node: Expression, index: number, count: number, context: CallContext): Promise<boolean> {
  const value = await context.evaluate(node);
  if (typeof value !== 'boolean')
    throw argumentTypeFailure(context.name, index, count, "of type 'Boolean'", typeName(value));
  return value;
}

/** `and`/`or`: the first argument equal to `decisive` decides; otherwise the other value. */
const shortCircuit = (name: string, decisive: boolean): TemplateFunction => ({
  name,
  min: 2,
  max: Infinity,
  async lazy(args, context) {
    for (const [i, node] of args.entries())
      if ((await booleanOf(node, i, args.length, context)) === decisive) return decisive;
    return !decisive;
  },
});

export const logicalFunctions: TemplateFunction[] = [
  shortCircuit('and', false),
  shortCircuit('or', true),
  define('not', 1, 1, (args, context) => !booleanArg(context, args, 0)),
  {
    name: 'if',
    min: 3,
    max: 3,
    async lazy(args, context) {
      return context.evaluate((await booleanOf(args[0], 0, 3, context)) ? args[1] : args[2]);
    },
  },
  define('bool', 1, 1, ([value], context) => {
    if (typeof value === 'boolean') return value;
    if (typeof value === 'number' && Number.isInteger(value)) return value !== 0;
    if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
    throw invalidParameter(context.name, 'The value cannot be converted to the target type.');
  }),
  define('true', 0, 0, () => true),
  define('false', 0, 0, () => false),
];
