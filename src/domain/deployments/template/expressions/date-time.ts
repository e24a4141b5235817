/**
 * Date and time for the date functions: ISO 8601 timestamps and durations in, .NET date format strings
 * (standard and custom, invariant culture) out. Times are UTC: a timestamp without a zone is read as
 * UTC, as Azure's engine does. Durations follow Azure's documented rule: a year is 365 days and a month
 * 30 days, so P1Y from 2024-01-01 is 2024-12-31.
 */

export class DateFormatError extends Error {}

const DAY = 86_400_000;

/**
 * An ISO 8601 timestamp: extended (2023-04-01T01:00:38Z) or basic (20230401T010038Z, utcNow()'s
 * default), 'T' or a space between date and time, optional fraction and zone; or a date alone.
 */
export function parseTimestamp(text: string): Date | undefined {
  const match =
    /^(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d{1,7}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(
      text.trim(),
    );
  if (!match) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '0', zone = 'Z'] = match;
  const ms = Math.round(Number(`0.${fraction}`) * 1000);
  let time = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(time);
  if (
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  )
    return undefined;
  if (zone.toUpperCase() !== 'Z') {
    const offset = /([+-])(\d{2}):?(\d{2})?/.exec(zone)!;
    const minutes = Number(offset[2]) * 60 + Number(offset[3] ?? 0);
    time -= (offset[1] === '-' ? -1 : 1) * minutes * 60_000;
  }
  return new Date(time);
}

/** An ISO 8601 duration (P1Y2M3W4DT5H6M7.5S, optionally negative) in milliseconds; undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  const match =
    /^([+-])?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
      text.trim(),
    );
  if (!match || /P$|T$/.test(text.trim())) return undefined;
  const [, sign, years = 0, months = 0, weeks = 0, days = 0, hours = 0, minutes = 0, seconds = 0] = match;
  const total =
    (Number(years) * 365 + Number(months) * 30 + Number(weeks) * 7 + Number(days)) * DAY +
    Number(hours) * 3_600_000 +
    Number(minutes) * 60_000 +
    Number(seconds) * 1000;
  return sign === '-' ? -total : total;
}

/** The timestamp form the date functions write by default: 2023-04-01T01:00:38Z (fraction only when there is one). */
export function isoTimestamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.000Z$/, 'Z')
    .replace(/(\.\d*?)0+Z$/, '$1Z');
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** .NET's standard date formats in the invariant culture, as custom patterns. */
const STANDARD: Record<string, string> = {
  d: 'MM/dd/yyyy',
  D: 'dddd, dd MMMM yyyy',
  f: 'dddd, dd MMMM yyyy HH:mm',
  F: 'dddd, dd MMMM yyyy HH:mm:ss',
  g: 'MM/dd/yyyy HH:mm',
  G: 'MM/dd/yyyy HH:mm:ss',
  m: 'MMMM dd',
  M: 'MMMM dd',
  o: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  O: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  r: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  R: "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
  s: "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
  t: 'HH:mm',
  T: 'HH:mm:ss',
  u: "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
  U: 'dddd, dd MMMM yyyy HH:mm:ss',
  y: 'yyyy MMMM',
  Y: 'yyyy MMMM',
};

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** One run of a custom specifier letter (e.g. "MMM") for `date`. */
function field(letter: string, count: number, date: Date): string {
  const hours = date.getUTCHours();
  switch (letter) {
    case 'd':
      if (count >= 4) return DAYS[date.getUTCDay()];
      if (count === 3) return DAYS[date.getUTCDay()].slice(0, 3);
      return pad(date.getUTCDate(), count);
    case 'M':
      if (count >= 4) return MONTHS[date.getUTCMonth()];
      if (count === 3) return MONTHS[date.getUTCMonth()].slice(0, 3);
      return pad(date.getUTCMonth() + 1, count);
    case 'y': {
      const year = date.getUTCFullYear();
      return count <= 2 ? pad(year % 100, count) : pad(year, count);
    }
    case 'H':
      return pad(hours, Math.min(count, 2));
    case 'h':
      return pad(hours % 12 || 12, Math.min(count, 2));
    case 'm':
      return pad(date.getUTCMinutes(), Math.min(count, 2));
    case 's':
      return pad(date.getUTCSeconds(), Math.min(count, 2));
    case 'f':
    case 'F': {
      if (count > 7) throw new DateFormatError('Input string was not in a correct format.');
      const digits = pad(date.getUTCMilliseconds(), 3).padEnd(7, '0').slice(0, count);
      return letter === 'f' ? digits : digits.replace(/0+$/, '');
    }
    case 't':
      return (hours < 12 ? 'AM' : 'PM').slice(0, Math.min(count, 2));
    case 'g':
      return 'A.D.';
    case 'K':
      return 'Z';
    case 'z':
      return count === 1 ? '+0' : count === 2 ? '+00' : '+00:00';
    default:
      return letter.repeat(count);
  }
}

function custom(pattern: string, date: Date): string {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === "'" || c === '"') {
      const close = pattern.indexOf(c, i + 1);
      if (close < 0) throw new DateFormatError(`Cannot find a matching quote character for the character '${c}'.`);
      out += pattern.slice(i + 1, close);
      i = close + 1;
    } else if (c === '\\') {
      out += pattern[i + 1] ?? '';
      i += 2;
    } else if (c === '%') {
      i++;
    } else if ('dMyHhmsfFtgKz'.includes(c)) {
      let count = 1;
      while (pattern[i + count] === c) count++;
      out += field(c, count, date);
      i += count;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** `date` (UTC) formatted with a .NET standard or custom date format string, invariant culture. */
export function formatDateTime(date: Date, format: string): string {
  if (format.length === 1) {
    const pattern = STANDARD[format];
    if (!pattern) throw new DateFormatError('Input string was not in a correct format.');
    return custom(pattern, date);
  }
  return custom(format, date);
}
