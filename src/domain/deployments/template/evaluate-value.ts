/**
 * A template value evaluated: every string that is a whole `[...]` expression replaced by its value,
 * `[[` unescaped to `[`, objects and arrays walked, and property copy loops (`"copy": [{ name, count,
 * input }]` inside an object) expanded into the arrays they name, with `copyIndex('<name>')` counting
 * each. A failure names the JSON path and the expression.
 */
import { evaluateExpressionText } from './expressions/evaluate.ts';
import { isExpression } from './expressions/parse.ts';
import { MAX_COPIES, type CopyLoop, type TemplateContext } from './template-scope.ts';
import { invalidTemplate, isObject, member, reasonOf } from './template-error.ts';
import { ArmError } from '../../../core/arm-error.ts';

export async function evaluateValue(
  value: unknown,
  context: TemplateContext,
  loops: readonly CopyLoop[],
  path: string,
): Promise<unknown> {
  if (typeof value === 'string') return evaluateString(value, context, loops, path);
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const [i, item] of value.entries()) items.push(await evaluateValue(item, context, loops, `${path}[${i}]`));
    return items;
  }
  if (!isObject(value)) return value;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === 'copy' && Array.isArray(item)) continue;
    result[key] = await evaluateValue(item, context, loops, `${path}.${key}`);
  }
  const propertyLoops = value.copy;
  if (Array.isArray(propertyLoops)) {
    for (const [i, loop] of propertyLoops.entries()) {
      const expanded = await expandPropertyLoop(loop, context, loops, `${path}.copy[${i}]`);
      result[expanded.name] = expanded.items;
    }
  }
  return result;
}

async function evaluateString(text: string, context: TemplateContext, loops: readonly CopyLoop[], path: string) {
  // `[[...]` is the literal `[...]`; other strings are what they say.
  if (!isExpression(text)) return text.startsWith('[[') && text.endsWith(']') ? text.slice(1) : text;
  try {
    return await evaluateExpressionText(text, context.scope(loops), path);
  } catch (error) {
    if (error instanceof ArmError && error.code === 'InvalidTemplate') throw error;
    throw invalidTemplate(`The template expression '${text}' at '${path}' is not valid: ${reasonOf(error)}`, path);
  }
}

async function expandPropertyLoop(
  loop: unknown,
  context: TemplateContext,
  loops: readonly CopyLoop[],
  path: string,
): Promise<{ name: string; items: unknown[] }> {
  if (!isObject(loop) || typeof member(loop, 'name') !== 'string' || member(loop, 'input') === undefined)
    throw invalidTemplate("A property copy loop needs a 'name', a 'count' and an 'input'.", path);
  const name = member(loop, 'name') as string;
  const count = await evaluateValue(member(loop, 'count'), context, loops, `${path}.count`);
  if (!Number.isInteger(count) || (count as number) < 0 || (count as number) > MAX_COPIES)
    throw invalidTemplate(
      `The copy count of '${name}' must be an integer from 0 to ${MAX_COPIES}, not ${JSON.stringify(count)}.`,
      `${path}.count`,
    );
  const items: unknown[] = [];
  for (let index = 0; index < (count as number); index++) {
    items.push(await evaluateValue(member(loop, 'input'), context, [...loops, { name, index }], `${path}.input`));
  }
  return { name, items };
}
