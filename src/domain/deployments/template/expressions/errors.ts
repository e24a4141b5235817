/**
 * Errors of the template language, in ARM's words. Functions and the parser throw `ExpressionFailure`
 * (the reason alone); the outermost evaluation turns it into a `TemplateExpressionError`, which adds the
 * expression as written and the JSON path of the template value it sits in, so the deployment engine can
 * say which resource and property failed. Both are 400 InvalidTemplate: a template's mistake, never ours.
 */
import { ArmError } from '../../../../core/arm-error.ts';

export class ExpressionFailure extends Error {
  constructor(
    message: string,
    /** Offset in the expression text, for parse errors. */
    readonly position?: number,
    readonly code = 'InvalidTemplate',
  ) {
    super(message);
    this.name = 'ExpressionFailure';
  }
}

export class TemplateExpressionError extends ArmError {
  /** Offset in the expression text where parsing failed. */
  readonly position?: number;

  constructor(
    /** ARM's message for what went wrong, e.g. "Unable to evaluate template language function 'substring': ...". */
    readonly reason: string,
    /** The expression as written in the template, brackets included. */
    readonly expression: string,
    /** The JSON path of the template value, e.g. `resources[2].properties.location`. */
    readonly path: string,
    options: { position?: number; code?: string; status?: number } = {},
  ) {
    super(
      options.status ?? 400,
      options.code ?? 'InvalidTemplate',
      `The template language expression '${expression}' at '${path}' is not valid: ${reason}`,
      path,
    );
    this.name = 'TemplateExpressionError';
    this.position = options.position;
  }
}

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth'];

/** "first", "second", ... for a 0-based argument index. */
const ordinal = (index: number): string => ORDINALS[index] ?? `${index + 1}th`;

/** ARM's wrapper for a function that got valid types but could not compute its result. */
export const functionFailure = (name: string, detail: string): ExpressionFailure =>
  new ExpressionFailure(`Unable to evaluate template language function '${name}': ${detail}`);

/** A function called with an argument of the wrong type. */
export function argumentTypeFailure(
  name: string,
  index: number,
  count: number,
  expected: string,
  actual: string,
): ExpressionFailure {
  const which = count === 1 ? 'its parameter' : `its ${ordinal(index)} parameter`;
  return new ExpressionFailure(
    `The template language function '${name}' expects ${which} to be ${expected}. The provided value is of type '${actual}'. Please see https://aka.ms/arm-functions for usage details.`,
  );
}

/** ARM's failure for an argument of the right type whose value a function cannot use. */
export const invalidParameter = (name: string, detail: string): ExpressionFailure =>
  new ExpressionFailure(
    `The template language function '${name}' was invoked with a parameter that is not valid. ${detail}`,
  );
