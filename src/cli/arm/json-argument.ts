/** A flag whose value is a JSON object: in a file, or (where az allows it) written inline. */
import { readFile } from 'node:fs/promises';
import { UsageError } from './args.ts';

/** `what` says what the object should be, for the error when it is not one. */
export async function readJsonObject(
  flag: string,
  value: string,
  options: { inline?: boolean; what: string },
): Promise<Record<string, unknown>> {
  const inline = options.inline === true && value.trim().startsWith('{');
  const source = inline ? 'the value' : `'${value}'`;
  let text = value;
  if (!inline) {
    try {
      text = await readFile(value, 'utf8');
    } catch (error) {
      throw new UsageError(`argument --${flag}: cannot read '${value}': ${(error as Error).message}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`argument --${flag}: ${source} is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new UsageError(`argument --${flag}: ${source} must hold a JSON object (${options.what}).`);
  return parsed as Record<string, unknown>;
}
