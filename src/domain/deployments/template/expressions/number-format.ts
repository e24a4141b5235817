/**
 * .NET numeric format strings in the invariant culture, as `format('{0:N2}', ...)` applies them to
 * template numbers: the standard ones (C, D, E, F, G, N, P, R, X, with a precision) and the custom
 * placeholders 0 # . , % with literal text, quotes, backslash escapes and ';' sections.
 * Throws NumberFormatError with .NET's message for a format .NET refuses.
 */

export class NumberFormatError extends Error {}

const INVALID = 'Format specifier was invalid.';

/** A number as .NET writes it without a format: integers plainly, others the shortest round-trip form. */
export function plainNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return BigInt(value).toString();
  return netExponent(String(value), 2);
}

/** JS's "1.5e+21" as .NET's "1.5E+21", the exponent padded to `digits`. */
function netExponent(text: string, digits: number): string {
  const match = /^(-?[\d.]+)e([+-])(\d+)$/.exec(text);
  if (!match) return text;
  return `${match[1]}E${match[2]}${match[3].padStart(digits, '0')}`;
}

/** Digits of |value| with `decimals` places, grouped by thousands when `group`. */
function fixed(value: number, decimals: number, group: boolean): string {
  let text =
    Number.isInteger(value) && decimals === 0 ? BigInt(Math.abs(value)).toString() : Math.abs(value).toFixed(decimals);
  if (group) {
    const [whole, fraction] = text.split('.');
    text = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (fraction !== undefined ? `.${fraction}` : '');
  }
  return text;
}

const negative = (value: number, text: string) => (value < 0 && /[1-9]/.test(text) ? `-${text}` : text);

function exponential(value: number, precision: number, upper: boolean, exponentDigits: number): string {
  const [mantissa, exponent] = Math.abs(value).toExponential(precision).split('e');
  const sign = exponent.startsWith('-') ? '-' : '+';
  const text = `${mantissa}${upper ? 'E' : 'e'}${sign}${exponent.replace(/^[+-]/, '').padStart(exponentDigits, '0')}`;
  return negative(value, text);
}

function general(value: number, precision: number | undefined, upper: boolean): string {
  if (precision === undefined || precision === 0) return plainNumber(value);
  if (value === 0) return '0';
  const exponent = Math.floor(Math.log10(Math.abs(value)));
  if (exponent >= precision || exponent < -5) {
    const text = exponential(value, precision - 1, upper, 2);
    return text.replace(/\.?0+(?=[eE])/, '');
  }
  const text = Math.abs(value).toPrecision(precision);
  return negative(value, text.includes('.') ? text.replace(/\.?0+$/, '') : text);
}

function hexadecimal(value: number, precision: number, upper: boolean): string {
  if (!Number.isInteger(value)) throw new NumberFormatError(INVALID);
  const bits = BigInt.asUintN(64, BigInt(value));
  const text = bits.toString(16).padStart(precision, '0');
  return upper ? text.toUpperCase() : text;
}

function standard(value: number, specifier: string, precisionText: string): string {
  const precision = precisionText === '' ? undefined : Number(precisionText);
  const upper = specifier === specifier.toUpperCase();
  switch (specifier.toUpperCase()) {
    case 'C': {
      const text = `¤${fixed(value, precision ?? 2, true)}`;
      return value < 0 && /[1-9]/.test(text) ? `(${text})` : text;
    }
    case 'D':
      if (!Number.isInteger(value)) throw new NumberFormatError(INVALID);
      return negative(
        value,
        BigInt(Math.abs(value))
          .toString()
          .padStart(precision ?? 0, '0'),
      );
    case 'E':
      return exponential(value, precision ?? 6, upper, 3);
    case 'F':
      return negative(value, fixed(value, precision ?? 2, false));
    case 'G':
      return general(value, precision, upper);
    case 'N':
      return negative(value, fixed(value, precision ?? 2, true));
    case 'P':
      return `${negative(value, fixed(value * 100, precision ?? 2, true))} %`;
    case 'R':
      return plainNumber(value);
    case 'X':
      return hexadecimal(value, precision ?? 0, upper);
    default:
      throw new NumberFormatError(INVALID);
  }
}

/** Splits a custom format into sections at ';' outside quotes and escapes. */
function sections(format: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '\\') {
      current += c + (format[++i] ?? '');
      continue;
    } else if (c === ';') {
      parts.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  parts.push(current);
  return parts;
}

function custom(value: number, format: string): string {
  const parts = sections(format);
  let section = parts[0];
  let absolute = false;
  if (value < 0 && parts.length > 1 && parts[1] !== '') {
    section = parts[1];
    absolute = true;
  } else if (value === 0 && parts.length > 2 && parts[2] !== '') {
    section = parts[2];
  }
  const placeholders = section.replace(/'[^']*'|"[^"]*"|\\./g, '');
  const point = placeholders.indexOf('.');
  const integerPart = point < 0 ? placeholders : placeholders.slice(0, point);
  const fractionPart = point < 0 ? '' : placeholders.slice(point + 1);
  const fractionDigits = fractionPart.replace(/[^0#]/g, '');
  const integerDigits = integerPart.replace(/[^0#]/g, '');
  const decimals = fractionDigits.length;
  const requiredDecimals = fractionDigits.lastIndexOf('0') + 1;
  const firstZero = integerDigits.indexOf('0');
  const minimumIntegers = firstZero < 0 ? 0 : integerDigits.length - firstZero;
  const grouping = /[0#],+[0#]/.test(integerPart);
  const scaleCommas = /,+$/.exec(integerPart)?.[0].length ?? 0;
  let scaled = absolute ? Math.abs(value) : value;
  scaled *= 100 ** (placeholders.match(/%/g) ?? []).length;
  scaled /= 1000 ** scaleCommas;

  let digits = Math.abs(scaled).toFixed(decimals);
  let [whole, fraction = ''] = digits.split('.');
  fraction = fraction.replace(/0+$/, '').padEnd(requiredDecimals, '0');
  whole = whole === '0' ? '' : whole;
  whole = whole.padStart(minimumIntegers, '0');
  if (grouping) whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  digits = whole + (fraction ? `.${fraction}` : '');

  let out = '';
  let numberWritten = false;
  for (let i = 0; i < section.length; i++) {
    const c = section[i];
    if (c === "'" || c === '"') {
      const close = section.indexOf(c, i + 1);
      out += section.slice(i + 1, close < 0 ? undefined : close);
      i = close < 0 ? section.length : close;
    } else if (c === '\\') {
      out += section[++i] ?? '';
    } else if ('0#.,'.includes(c)) {
      if (!numberWritten) out += digits;
      numberWritten = true;
    } else {
      out += c;
    }
  }
  const isNegative = !absolute && scaled < 0 && /[1-9]/.test(digits);
  return isNegative ? `-${out}` : out;
}

/** `value` formatted with the .NET format string `format` (invariant culture). */
export function formatNumber(value: number, format: string): string {
  if (format === '') return plainNumber(value);
  const match = /^([A-Za-z])(\d{0,9})$/.exec(format);
  return match ? standard(value, match[1], match[2]) : custom(value, format);
}
