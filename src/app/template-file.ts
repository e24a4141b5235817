/**
 * An image template file as `kiln validate` and `kiln build` read it: JSON (a syntax error names its
 * line and column), variables filled in, then the service's own validation with every error's JSON
 * path given from the top of the file. Regions come from the data folder's configuration when it
 * has one, else from the defaults a new install gets; nothing is written.
 */
import { readFile } from 'node:fs/promises';
import { ArmError, type ArmErrorDetail } from '../core/arm-error.ts';
import type { SettingsContext } from '../domain/context.ts';
import type { Warning } from '../domain/image-templates/normalize-template.ts';
import { checkTemplate } from '../domain/image-templates/operations.ts';
import { readTemplateDocument } from '../domain/image-templates/template-document.ts';
import { defaultConfig, domainSettings, readConfig } from './config.ts';

export interface TemplateFile {
  /** The name the file gives the template, if any. */
  name?: string;
  body: Record<string, unknown>;
  location: string;
  warnings: Warning[];
}

/** Every problem of the file; `errors` is empty when the template is good. */
export type TemplateFileCheck =
  { ok: true; template: TemplateFile } | { ok: false; errors: ArmErrorDetail[]; warnings: Warning[] };

export async function checkTemplateFile(
  path: string,
  vars: Record<string, string>,
  dataDir: string,
): Promise<TemplateFileCheck> {
  let document: unknown;
  try {
    const text = await readFile(path, 'utf8');
    document = parseJson(text);
  } catch (error) {
    return {
      ok: false,
      errors: [
        {
          code: error instanceof SyntaxError ? 'InvalidTemplate' : 'TemplateNotReadable',
          message: (error as Error).message,
          target: '$',
        },
      ],
      warnings: [],
    };
  }
  let read: ReturnType<typeof readTemplateDocument>;
  try {
    read = readTemplateDocument(document, vars);
  } catch (error) {
    return { ok: false, errors: problemsOf(error, ''), warnings: [] };
  }
  const prefix = (target: string) => (read.resourcePath ? `${read.resourcePath}.${target}` : target);
  const ctx: SettingsContext = { settings: domainSettings((await readConfig(dataDir)) ?? defaultConfig()) };
  try {
    const { spec, warnings } = checkTemplate(ctx, read.body);
    const all = [...read.warnings, ...warnings.map((w) => ({ ...w, target: prefix(w.target) }))];
    return {
      ok: true,
      template: { ...(read.name ? { name: read.name } : {}), body: read.body, location: spec.location, warnings: all },
    };
  } catch (error) {
    return { ok: false, errors: problemsOf(error, read.resourcePath), warnings: read.warnings };
  }
}

function problemsOf(error: unknown, resourcePath: string): ArmErrorDetail[] {
  if (!(error instanceof ArmError)) throw error;
  const details =
    error.details.length > 0
      ? error.details
      : [{ code: error.code, message: error.message, ...(error.target ? { target: error.target } : {}) }];
  return details.map((d) => ({
    ...d,
    target: resourcePath && d.target ? `${resourcePath}.${d.target}` : (d.target ?? '$'),
  }));
}

/** JSON.parse, with the line and column of a syntax error (Node gives an offset at best). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const offset = firstBadOffset(text);
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    const reason = (error as Error).message
      .replace(/, (\.\.\.)?".*" is not valid JSON$/s, '')
      .replace(/ in JSON at position \d+.*$/s, '');
    throw new SyntaxError(`${reason} at line ${line}, column ${column}.`);
  }
}

/**
 * Where the text stops being the start of some JSON document: a prefix that is still valid fails
 * only at its very end. Once a prefix is invalid every longer one is too, so a binary search finds
 * the first bad character even when the message carries no position.
 */
function firstBadOffset(text: string): number {
  const validPrefix = (length: number) => {
    try {
      JSON.parse(text.slice(0, length));
      return true;
    } catch (error) {
      const message = (error as Error).message;
      const position = /at position (\d+)/.exec(message);
      return /end of JSON input/.test(message) || (position !== null && Number(position[1]) >= length);
    }
  };
  let [low, high] = [0, text.length];
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (validPrefix(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}
