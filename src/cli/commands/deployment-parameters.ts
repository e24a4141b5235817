/**
 * `--parameters` as `az deployment` reads them (azure-cli's `_process_parameters`), in order, a later
 * value replacing an earlier one: a parameters file (`@file.json` or a plain path; its `parameters`
 * member, or the whole object when it has none), a JSON object written inline (the same two shapes),
 * or `name=value`, converted by the type the template declares (int, bool, array and object as
 * JSON or a Python literal, strings as written; `name=@file` reads the value from a file). Then the
 * template's required parameters still missing are asked for on a terminal, or named in an error.
 */
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { UsageError } from '../arm/args.ts';
import { parseShellJson } from './deployment-json.ts';
import { promptForParameters } from './deployment-prompt.ts';

/** A template's `parameters`: each declaration's type, defaultValue, allowedValues, metadata. */
export type Declarations = Record<string, Record<string, unknown>>;
/** What a deployment's `properties.parameters` holds: `{ name: { value } }` (or a Key Vault `reference`). */
export type ParameterValues = Record<string, unknown>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every `-p` value (each occurrence's values, in order) merged as az merges them. */
export async function readParameters(
  items: string[],
  declarations: Declarations,
  warn: (text: string) => void,
): Promise<ParameterValues> {
  const parameters: ParameterValues = {};
  for (const given of items) {
    const item = await expandFilePrefix(given);
    const object = (await fileParameters(item)) ?? inlineParameters(item);
    if (object !== undefined) Object.assign(parameters, object);
    else if (!keyValue(declarations, parameters, item, warn))
      throw new UsageError(`Unable to parse parameter: ${given}`);
  }
  return parameters;
}

/**
 * Adds what the template requires and `parameters` lacks: asked for on a terminal (as az prompts),
 * else an error naming them; with `noPrompt`, a warning (the server then refuses the deployment).
 */
export async function addMissingParameters(
  parameters: ParameterValues,
  declarations: Declarations,
  options: { noPrompt: boolean; warn: (text: string) => void },
): Promise<ParameterValues> {
  const missing = Object.entries(declarations).filter(
    ([name, declaration]) =>
      !(isObject(declaration) && 'defaultValue' in declaration) &&
      (parameters[name] === undefined || parameters[name] === null),
  );
  if (missing.length === 0) return parameters;
  const names = missing.map(([name]) => name).sort();
  if (options.noPrompt) {
    options.warn(`WARNING: Missing input parameters: ${names.join(', ')} `);
    return parameters;
  }
  if (!process.stdin.isTTY)
    throw new Error(
      `Missing input parameters: ${names.join(', ')}. There is no terminal to ask for them on: give each with --parameters NAME=VALUE or in a parameters file.`,
    );
  const answers = await promptForParameters(missing);
  return { ...parameters, ...Object.fromEntries(Object.entries(answers).map(([name, value]) => [name, { value }])) };
}

/** azure-cli's `@` expansion: `@path` is the file's text, `name=@path` the name and the file's text. */
async function expandFilePrefix(item: string): Promise<string> {
  const equals = item.indexOf('=');
  if (item.startsWith('@') && item.length > 1) return readExpanded(item.slice(1), true);
  if (equals >= 0 && item[equals + 1] === '@' && item.length > equals + 2)
    return `${item.slice(0, equals)}=${await readExpanded(item.slice(equals + 2), false)}`;
  return item;
}

/** The file's text without trailing line breaks; an unreadable `name=@value` stays as written, as in az. */
async function readExpanded(path: string, required: boolean): Promise<string> {
  try {
    return (await readFile(path.replace(/^~(?=\/|$)/, homedir()), 'utf8')).replace(/\n+$/, '');
  } catch (error) {
    if (required) throw new UsageError(`argument --parameters: cannot read '${path}': ${(error as Error).message}`);
    return `@${path}`;
  }
}

/** A path to a parameters file, or undefined when `item` names no file. */
async function fileParameters(item: string): Promise<ParameterValues | undefined> {
  const isFile = await stat(item).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!isFile) return undefined;
  const text = (await readFile(item, 'utf8')).replace(/^\uFEFF/, '');
  if (text === '') return undefined;
  try {
    return parametersMember(parseShellJson(text), item);
  } catch (error) {
    throw new UsageError(`Failed to parse ${item} with exception:\n    ${(error as Error).message}`);
  }
}

/** JSON (or a Python dict) written inline, or undefined when `item` is not one. */
function inlineParameters(item: string): ParameterValues | undefined {
  let parsed: unknown;
  try {
    parsed = parseShellJson(item);
  } catch {
    return undefined;
  }
  return isObject(parsed) ? parametersMember(parsed, 'the inline value') : undefined;
}

/** `parsed.get('parameters', parsed)`: a parameters file's member, or the object itself. */
function parametersMember(parsed: unknown, source: string): ParameterValues {
  if (!isObject(parsed)) throw new Error(`${source} is not a JSON object.`);
  const inner = 'parameters' in parsed ? parsed.parameters : parsed;
  if (!isObject(inner)) throw new Error(`the 'parameters' of ${source} is not a JSON object.`);
  return inner;
}

/** `name=value`, converted by the declared type; false when `item` has no `=`. */
function keyValue(
  declarations: Declarations,
  parameters: ParameterValues,
  item: string,
  warn: (text: string) => void,
): boolean {
  // An empty object alone, as az allows.
  if (item === '{}' && Object.keys(parameters).length === 0) return true;
  const equals = item.indexOf('=');
  if (equals < 0) return false;
  const name = item.slice(0, equals);
  const text = item.slice(equals + 1);
  const declaration = Object.hasOwn(declarations, name) ? declarations[name] : undefined;
  if (declaration === undefined)
    throw new UsageError(
      `unrecognized template parameter '${name}'. Allowed parameters: ${Object.keys(declarations).sort().join(', ')}`,
    );
  const type = isObject(declaration) && typeof declaration.type === 'string' ? declaration.type.toLowerCase() : '';
  let value: unknown;
  if (['object', 'array', 'secureobject'].includes(type)) value = parseShellJson(text);
  else if (type === 'string' || type === 'securestring') value = text;
  else if (type === 'bool') value = text.toLowerCase() === 'true';
  else if (type === 'int') value = pythonInt(name, text);
  else {
    warn(`WARNING: Unrecognized type '${type || 'None'}' for parameter '${name}'. Interpreting as string.`);
    value = text;
  }
  parameters[name] = { value };
  return true;
}

/** Python's int(): spaces around, a sign, digits with single underscores between them. */
function pythonInt(name: string, text: string): number {
  if (!/^\s*[-+]?\d+(_\d+)*\s*$/.test(text))
    throw new UsageError(`argument --parameters: ${name}: invalid int value: '${text}'`);
  return Number(text.replace(/[\s_]/g, ''));
}
