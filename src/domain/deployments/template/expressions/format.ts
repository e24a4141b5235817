/**
 * .NET composite formatting for `format()`: items `{index[,alignment][:formatString]}`, `{{` and `}}` for
 * literal braces. Values print as ARM's engine prints them: strings as they are, numbers through .NET's
 * numeric format strings, booleans as True/False, null as nothing, objects and arrays as compact JSON
 * with single quotes ({'a':'b'}). Throws CompositeFormatError with .NET's message for a bad format.
 */
import { formatNumber, NumberFormatError } from './number-format.ts';
import { compactJson } from './values.ts';

export class CompositeFormatError extends Error {}

const BAD_FORMAT = 'Input string was not in a correct format.';
const BAD_INDEX =
  'Index (zero based) must be greater than or equal to zero and less than the size of the argument list.';

function valueText(value: unknown, format: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    try {
      return formatNumber(value, format);
    } catch (error) {
      if (error instanceof NumberFormatError) throw new CompositeFormatError(error.message);
      throw error;
    }
  }
  return compactJson(value, "'");
}

export function formatComposite(format: string, args: readonly unknown[]): string {
  let out = '';
  let i = 0;
  while (i < format.length) {
    const c = format[i];
    if (c === '}') {
      if (format[i + 1] !== '}') throw new CompositeFormatError(BAD_FORMAT);
      out += '}';
      i += 2;
    } else if (c !== '{') {
      out += c;
      i++;
    } else if (format[i + 1] === '{') {
      out += '{';
      i += 2;
    } else {
      const close = format.indexOf('}', i);
      if (close < 0) throw new CompositeFormatError(BAD_FORMAT);
      const item = /^\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?(?::(.*))?$/s.exec(format.slice(i + 1, close));
      if (!item) throw new CompositeFormatError(BAD_FORMAT);
      const index = Number(item[1]);
      if (index >= args.length) throw new CompositeFormatError(BAD_INDEX);
      const text = valueText(args[index], item[3] ?? '');
      const width = Number(item[2] ?? 0);
      out += width < 0 ? text.padEnd(-width) : text.padStart(width);
      i = close + 1;
    }
  }
  return out;
}
