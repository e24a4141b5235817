/** What `kiln validate` and `kiln build` share: the template file, its --var values, and how problems print. */
import { basename } from 'node:path';
import { checkTemplateFile, type TemplateFileCheck } from '../app/template-file.ts';
import { hintFor } from './template-hints.ts';

export const templateOptions = {
  var: { type: 'string', multiple: true },
  data: { type: 'string' },
} as const;

/** `NAME=VALUE` pairs; a malformed one is an error naming it. */
export function parseVars(pairs: string[] = []): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--var '${pair}' must be NAME=VALUE.`);
    vars[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return vars;
}

export async function checkTemplateArgs(
  file: string | undefined,
  vars: string[] | undefined,
  dataDir: string,
  usage: string,
): Promise<TemplateFileCheck> {
  if (!file) throw new Error(`a template file is required\n\n${usage}`);
  return checkTemplateFile(file, parseVars(vars), dataDir);
}

/** Every error with its JSON path and a hint, then every warning: the text a person reads. */
export function formatCheck(file: string, check: TemplateFileCheck): string {
  const warnings = check.ok ? check.template.warnings : check.warnings;
  const errors = check.ok ? [] : check.errors;
  const lines = [`${basename(file)}: ${count(errors.length, 'error')}, ${count(warnings.length, 'warning')}`];
  for (const error of errors)
    lines.push(
      `  error    ${error.target ?? '$'}`,
      `           ${error.message} (${error.code})`,
      `           hint: ${hintFor(error)}`,
    );
  for (const warning of warnings) lines.push(`  warning  ${warning.target}`, `           ${warning.message}`);
  return lines.join('\n');
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
