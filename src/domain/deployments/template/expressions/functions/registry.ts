/**
 * Every built-in template function by lower-cased name (ARM's names compare without case), plus the
 * `list*` family: any other name starting with "list" calls the resource's list action.
 */
import { arrayFunctions } from './array.ts';
import { cidrFunctions } from './cidr.ts';
import { comparisonFunctions } from './comparison.ts';
import { dateFunctions } from './date.ts';
import { deploymentFunctions } from './deployment.ts';
import { lambdaFunctions } from './lambda.ts';
import { logicalFunctions } from './logical.ts';
import { numericFunctions } from './numeric.ts';
import { objectFunctions } from './object.ts';
import { listFunction, resourceFunctions } from './resource.ts';
import { scopeFunctions } from './scope.ts';
import { stringFunctions } from './string.ts';
import type { TemplateFunction } from './types.ts';

const BUILT_IN = new Map<string, TemplateFunction>();
for (const fn of [
  ...arrayFunctions,
  ...cidrFunctions,
  ...comparisonFunctions,
  ...dateFunctions,
  ...deploymentFunctions,
  ...lambdaFunctions,
  ...logicalFunctions,
  ...numericFunctions,
  ...objectFunctions,
  ...resourceFunctions,
  ...scopeFunctions,
  ...stringFunctions,
]) {
  const key = fn.name.toLowerCase();
  if (BUILT_IN.has(key)) throw new Error(`template function ${fn.name} is defined twice`);
  BUILT_IN.set(key, fn);
}

/** The built-in function `name` denotes, in any case; a `list*` call for names starting with "list". */
export function findFunction(name: string): TemplateFunction | undefined {
  const key = name.toLowerCase();
  return BUILT_IN.get(key) ?? (key.startsWith('list') ? listFunction(name) : undefined);
}
