/**
 * Date functions: dateTimeAdd, dateTimeFromEpoch, dateTimeToEpoch, utcNow. utcNow (like newGuid) is
 * allowed only where the engine says non-deterministic values are (a parameter's defaultValue).
 */
import { ExpressionFailure, functionFailure } from '../errors.ts';
import { DateFormatError, formatDateTime, isoTimestamp, parseDuration, parseTimestamp } from '../date-time.ts';
import { integerArg, stringArg } from './args.ts';
import { define, type CallContext, type TemplateFunction } from './types.ts';

const SYNTAX_HELP = 'Please see https://aka.ms/arm-syntax-functions .';

function format(date: Date, pattern: string | undefined, context: CallContext): string {
  if (pattern === undefined) return isoTimestamp(date);
  try {
    return formatDateTime(date, pattern);
  } catch (error) {
    if (error instanceof DateFormatError)
      throw functionFailure(context.name, `the format '${pattern}' is not valid: ${error.message}`);
    throw error;
  }
}

function timestamp(text: string, position: string, context: CallContext): Date {
  const date = parseTimestamp(text);
  if (!date)
    throw new ExpressionFailure(
      `The template function '${context.name}' has an invalid parameter. The ${position} parameter '${text}' is not a valid ISO8601 DateTime string. ${SYNTAX_HELP}`,
    );
  return date;
}

/** Refuses utcNow/newGuid where ARM does: anywhere but a parameter's default value. */
export function requireNonDeterministicAllowed(context: CallContext): void {
  if (!context.scope.allowNonDeterministic)
    throw new ExpressionFailure(
      `The template function '${context.name}' is not expected at this location. The function can only be used with parameter default values. Please see https://aka.ms/arm-functions for usage details.`,
    );
}

export const dateFunctions: TemplateFunction[] = [
  define('dateTimeAdd', 2, 3, (args, context) => {
    const base = timestamp(stringArg(context, args, 0), 'first', context);
    const durationText = stringArg(context, args, 1);
    const duration = parseDuration(durationText);
    if (duration === undefined)
      throw new ExpressionFailure(
        `The template function 'dateTimeAdd' has an invalid parameter. The second parameter '${durationText}' is not a valid ISO8601 Duration string. ${SYNTAX_HELP}`,
      );
    const pattern = args.length > 2 ? stringArg(context, args, 2) : undefined;
    return format(new Date(base.getTime() + duration), pattern, context);
  }),
  {
    name: 'dateTimeFromEpoch',
    min: 1,
    max: 1,
    call: (args, context) => isoTimestamp(new Date(integerArg(context, args, 0) * 1000)),
  },
  {
    name: 'dateTimeToEpoch',
    min: 1,
    max: 1,
    call: (args, context) => Math.floor(timestamp(stringArg(context, args, 0), 'first', context).getTime() / 1000),
  },
  define('utcNow', 0, 1, (args, context) => {
    requireNonDeterministicAllowed(context);
    const pattern = args.length > 0 ? stringArg(context, args, 0) : "yyyyMMdd'T'HHmmss'Z'";
    return format(context.scope.now(), pattern, context);
  }),
];
