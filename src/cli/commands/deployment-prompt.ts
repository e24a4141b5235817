/**
 * az's questions for a template's missing parameters (`_prompt_for_parameters`), on the terminal
 * (stderr, so stdout stays the command's result): one per parameter in the template's order, `?`
 * shows its description; a list to choose from for `allowedValues`, the answer hidden for a
 * securestring, a number for int, t/f for bool, JSON for array and object (empty: [] or {}).
 */
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import type { Context } from '../arm/command.ts';
import { parseShellJson } from './deployment-json.ts';

type Declaration = Record<string, unknown>;

export async function promptForParameters(missing: [string, Declaration][]): Promise<Record<string, unknown>> {
  let hidden = false;
  // readline echoes what is typed through its output: muted while a securestring is typed.
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!hidden) process.stderr.write(chunk);
      done();
    },
  });
  const terminal = createInterface({ input: process.stdin, output, terminal: true });
  // Lines are read in order, so answers typed ahead of their question are kept.
  const lines = terminal[Symbol.asyncIterator]();
  const ask = async (question: string, hide = false) => {
    process.stderr.write(question);
    hidden = hide;
    try {
      const line = await lines.next();
      if (line.done) throw new Error('The input ended before every missing parameter was given.');
      return line.value;
    } finally {
      if (hide) process.stderr.write('\n');
      hidden = false;
    }
  };
  try {
    const answers: Record<string, unknown> = {};
    for (const [name, declaration] of missing) answers[name] = await answer(ask, name, declaration);
    return answers;
  } finally {
    terminal.close();
  }
}

/** knack's prompt_y_n, on the terminal; without one it fails, as az does. */
export async function askYesNo(ctx: Context, question: string): Promise<boolean> {
  if (!process.stdin.isTTY)
    throw new Error(
      'Unable to prompt for confirmation as no tty available: run what-if, then create without --confirm-with-what-if.',
    );
  ctx.progress.end();
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    for (;;) {
      const reply = (await terminal.question(`\n${question} (y/n): `)).trim().toLowerCase();
      if (reply === 'y' || reply === 'n') return reply === 'y';
    }
  } finally {
    terminal.close();
  }
}

type Ask = (question: string, hide?: boolean) => Promise<string>;

async function answer(ask: Ask, name: string, declaration: Declaration): Promise<unknown> {
  const type = String(declaration.type ?? 'string').toLowerCase();
  const metadata = declaration.metadata as { description?: unknown } | undefined;
  const help = typeof metadata?.description === 'string' ? metadata.description : 'Missing description';
  const question = `Please provide ${type} value for '${name}' (? for help): `;
  const allowed = Array.isArray(declaration.allowedValues) ? (declaration.allowedValues as unknown[]) : undefined;
  const choices = allowed?.map((value, i) => ` [${i + 1}] ${String(value)}`).join('\n');
  for (;;) {
    const reply = allowed
      ? (await ask(`${question}\n${choices}\nPlease enter a choice [Default choice(1)]: `)) || '1'
      : await ask(type === 'bool' ? `${question} (t/f): ` : question, type === 'securestring');
    if (reply === '?') {
      process.stderr.write(`${help}\n`);
      continue;
    }
    const value = valueOf(type, reply, allowed);
    if (value.ok) return value.value;
    if (value.warning) process.stderr.write(`WARNING: ${value.warning}\n`);
  }
}

/** The answer as the parameter's value, or why it is asked again (t/f answers are simply asked again). */
function valueOf(
  type: string,
  reply: string,
  allowed: unknown[] | undefined,
): { ok: true; value: unknown } | { ok: false; warning?: string } {
  if (allowed) {
    const index = /^\d+$/.test(reply) ? Number(reply) : 0;
    if (index >= 1 && index <= allowed.length) return { ok: true, value: allowed[index - 1] };
    return { ok: false, warning: `Valid values are [${allowed.map((_, i) => i + 1).join(', ')}]` };
  }
  if (type === 'int')
    return /^\s*[-+]?\d+\s*$/.test(reply)
      ? { ok: true, value: Number(reply) }
      : { ok: false, warning: `${reply} is not a valid number` };
  if (type === 'bool') return /^[tf]$/i.test(reply) ? { ok: true, value: reply.toLowerCase() === 't' } : { ok: false };
  if (type === 'object' || type === 'array' || type === 'secureobject') {
    if (reply === '') return { ok: true, value: type === 'array' ? [] : {} };
    try {
      return { ok: true, value: parseShellJson(reply) };
    } catch (error) {
      return { ok: false, warning: (error as Error).message };
    }
  }
  return { ok: true, value: reply };
}
