/**
 * String functions (the collection ones shared with arrays are in array.ts). Strings are UTF-16 as in
 * .NET, so lengths and indexes agree with Azure; encodings (base64, data URIs, hashes) use UTF-8.
 * startsWith and endsWith ignore case; replace and contains do not. guid() and uniqueString() are
 * byte-exact with Azure (guid.ts, unique-string.ts).
 */
import { newGuid } from '../../../../../core/ids.ts';
import { argumentTypeFailure, ExpressionFailure, functionFailure, invalidParameter } from '../errors.ts';
import { CompositeFormatError, formatComposite } from '../format.ts';
import { deterministicGuid } from '../guid.ts';
import { uniqueString } from '../unique-string.ts';
import { combineUri, escapeDataString, unescapeDataString } from '../uri.ts';
import { foldCase, isObject, toText, typeName } from '../values.ts';
import { arrayArg, integerArg, stringArg, textArg } from './args.ts';
import { requireNonDeterministicAllowed } from './date.ts';
import { parseJsonArgument } from './object.ts';
import { define, type CallContext, type TemplateFunction } from './types.ts';

/** ARM's limit on the length of a string built by a function (uniqueString's input, padLeft's output). */
const LITERAL_LIMIT = 131_072;

const oneString = (name: string, transform: (text: string, context: CallContext) => unknown): TemplateFunction => ({
  name,
  min: 1,
  max: 1,
  call: (args, context) => transform(stringArg(context, args, 0), context),
});

/** .NET's Convert.FromBase64String: whitespace ignored, padding required, nothing else accepted. */
function decodeBase64(text: string, context: CallContext): Buffer {
  const compact = text.replace(/\s/g, '');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(compact))
    throw invalidParameter(context.name, 'The value cannot be decoded from base64 representation.');
  return Buffer.from(compact, 'base64');
}

function decodeText(bytes: Uint8Array, charset: string): string {
  try {
    return new TextDecoder(charset || 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

function dataUriToString(text: string, context: CallContext): string {
  const match = /^data:([^,]*?)(;base64)?,(.*)$/is.exec(text);
  if (!match)
    throw new ExpressionFailure(
      `The template language function 'dataUriToString' expects its parameter to be formatted as a valid data URI. The provided value '${text}' was not formatted correctly. Please see https://aka.ms/arm-functions#dataUriToString for usage details.`,
    );
  const charset = /charset=([^;]+)/i.exec(match[1])?.[1] ?? 'utf-8';
  if (!match[2]) return unescapeDataString(match[3]);
  const compact = match[3].replace(/\s/g, '');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(compact))
    throw invalidParameter(context.name, 'The value cannot be converted to the target type.');
  return decodeText(Buffer.from(compact, 'base64'), charset);
}

/** The string arguments of guid() and uniqueString(), which take strings only. */
function strings(args: unknown[], context: CallContext): string[] {
  return args.map((arg, i) => {
    if (typeof arg !== 'string')
      throw argumentTypeFailure(context.name, i, args.length, "of type 'String'", typeName(arg));
    return arg;
  });
}

const affix = (name: string, test: (text: string, part: string) => boolean): TemplateFunction => ({
  name,
  min: 2,
  max: 2,
  call: (args, context) => test(foldCase(stringArg(context, args, 0)), foldCase(stringArg(context, args, 1))),
});

/** .NET's String.Split(string[], None): at each position the first delimiter (in order) that matches cuts. */
function split(text: string, delimiters: string[]): string[] {
  const usable = delimiters.filter((d) => d !== '');
  if (usable.length === 0) return [text];
  const parts: string[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const delimiter = usable.find((d) => text.startsWith(d, i));
    if (delimiter === undefined) {
      i++;
      continue;
    }
    parts.push(text.slice(start, i));
    i += delimiter.length;
    start = i;
  }
  parts.push(text.slice(start));
  return parts;
}

function substring(args: unknown[], context: CallContext): string {
  const text = stringArg(context, args, 0);
  const start = args.length > 1 ? integerArg(context, args, 1) : 0;
  if (args.length < 3) {
    if (start < 0 || start > text.length)
      throw functionFailure(
        'substring',
        `The index parameter must refer to a location within the string. The index parameter: '${start}', the length of the string parameter: '${text.length}'.`,
      );
    return text.slice(start);
  }
  const length = integerArg(context, args, 2);
  if (start < 0 || length < 0 || start + length > text.length)
    throw functionFailure(
      'substring',
      `The index and length parameters must refer to a location within the string. The index parameter: '${start}', the length parameter: '${length}', the length of the string parameter: '${text.length}'.`,
    );
  return text.slice(start, start + length);
}

export const stringFunctions: TemplateFunction[] = [
  oneString('base64', (text) => Buffer.from(text, 'utf8').toString('base64')),
  oneString('base64ToString', (text, context) => decodeText(decodeBase64(text, context), 'utf-8')),
  oneString('base64ToJson', (text, context) =>
    parseJsonArgument(context.name, decodeText(decodeBase64(text, context), 'utf-8')),
  ),
  oneString(
    'dataUri',
    (text) => `data:text/plain;charset=utf-8;base64,${Buffer.from(text, 'utf8').toString('base64')}`,
  ),
  oneString('dataUriToString', dataUriToString),
  affix('startsWith', (text, part) => text.startsWith(part)),
  affix('endsWith', (text, part) => text.endsWith(part)),
  define('format', 1, Infinity, (args, context) => {
    const pattern = stringArg(context, args, 0);
    try {
      return formatComposite(pattern, args.slice(1));
    } catch (error) {
      if (!(error instanceof CompositeFormatError)) throw error;
      throw new ExpressionFailure(
        `Unable to evaluate language function 'format': the format is invalid: '${error.message}'. Please see https://aka.ms/arm-function-format for usage details.`,
      );
    }
  }),
  define('guid', 1, Infinity, (args, context) => deterministicGuid(strings(args, context))),
  define('uniqueString', 1, Infinity, (args, context) => {
    const parts = strings(args, context);
    const length = parts.join('-').length;
    if (length > LITERAL_LIMIT)
      throw functionFailure(
        context.name,
        `the combined length of the parameters, ${length}, exceeds the limit of ${LITERAL_LIMIT}.`,
      );
    return uniqueString(parts);
  }),
  define('join', 2, 2, (args, context) => {
    const items = arrayArg(context, args, 0);
    const delimiter = stringArg(context, args, 1);
    return items
      .map((item, i) => {
        if (isObject(item) || Array.isArray(item))
          throw new ExpressionFailure(
            `The template language function 'join' expects an array of strings, integers or booleans. The item at index ${i} is of type '${typeName(item)}'.`,
          );
        return toText(item);
      })
      .join(delimiter);
  }),
  define('newGuid', 0, 0, (_args, context) => {
    requireNonDeterministicAllowed(context);
    return newGuid();
  }),
  define('padLeft', 2, 3, (args, context) => {
    const text = textArg(context, args, 0);
    const total = integerArg(context, args, 1);
    const padding = args.length > 2 ? stringArg(context, args, 2) : ' ';
    if (padding.length !== 1)
      throw functionFailure(context.name, `the padding character must be a single character; '${padding}' is not.`);
    if (total < 0 || total > LITERAL_LIMIT)
      throw functionFailure(context.name, `the total length must be between 0 and ${LITERAL_LIMIT}; it is '${total}'.`);
    return text.padStart(total, padding);
  }),
  define('replace', 3, 3, (args, context) => {
    const text = stringArg(context, args, 0);
    const old = stringArg(context, args, 1);
    const replacement = stringArg(context, args, 2);
    if (old === '') throw functionFailure(context.name, 'the string to replace must not be empty.');
    return text.split(old).join(replacement);
  }),
  define('split', 2, 2, (args, context) => {
    const text = stringArg(context, args, 0);
    if (typeof args[1] === 'string') return split(text, [args[1]]);
    const delimiters = arrayArg(context, args, 1).map((delimiter) => {
      if (typeof delimiter !== 'string')
        throw argumentTypeFailure(
          context.name,
          1,
          2,
          'a string or an array of strings',
          `Array of ${typeName(delimiter)}`,
        );
      return delimiter;
    });
    return split(text, delimiters);
  }),
  define('string', 1, 1, ([value]) => toText(value)),
  define('substring', 1, 3, substring),
  oneString('toLower', (text) => text.toLowerCase()),
  oneString('toUpper', (text) => text.toUpperCase()),
  oneString('trim', (text) => text.trim()),
  define('uri', 2, 2, (args, context) => {
    const base = stringArg(context, args, 0);
    const combined = combineUri(base, stringArg(context, args, 1));
    if (combined === undefined)
      throw new ExpressionFailure(
        `The template language function 'uri' expects its first argument to be a uri string. The provided value is '${base}'. Please see https://aka.ms/arm-function-datauri for usage details.`,
      );
    return combined;
  }),
  oneString('uriComponent', escapeDataString),
  oneString('uriComponentToString', unescapeDataString),
];
