/**
 * Flags as the Azure CLI takes them, parsed with node:util parseArgs: `--tags a=b c=d` (a list is
 * every value up to the next flag), `--exclude-from-latest [true|false]` (a three-state boolean),
 * choices matched case-insensitively, and argparse's messages for what is missing or wrong.
 */
import { parseArgs } from 'node:util';

/** string: one value; list: one or more values; bool: alone, or followed by true/false; switch: alone. */
export type FlagKind = 'string' | 'list' | 'bool' | 'switch';

export interface Flag {
  name: string;
  short?: string;
  /** Other spellings, e.g. `['--resource-group', '-g']` for az group's `--name`. */
  aliases?: string[];
  kind?: FlagKind;
  required?: boolean;
  help: string;
  /** Allowed values, matched case-insensitively and returned as written here. */
  values?: readonly string[];
  default?: string;
}

/** A mistake in the command line: exit code 2, as argparse. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const GLOBAL_FLAGS: Flag[] = [
  {
    name: 'output',
    short: 'o',
    values: ['json', 'jsonc', 'none', 'table', 'tsv', 'yaml'],
    default: 'json',
    help: 'Output format.',
  },
  { name: 'query', help: 'JMESPath query string. See http://jmespath.org/ for more information and examples.' },
  {
    name: 'subscription',
    help: "Name or ID of subscription. Default: the one 'kiln account set' chose (the first at login).",
  },
  { name: 'help', short: 'h', kind: 'switch', help: 'Show this help message and exit.' },
];

export const NO_WAIT: Flag = {
  name: 'no-wait',
  kind: 'switch',
  help: 'Do not wait for the long-running operation to finish.',
};

const TRUE = ['true', 'yes', 'y', '1', 'on'];
const FALSE = ['false', 'no', 'n', '0', 'off'];

export const flagLabel = (flag: Flag) => `--${flag.name}${flag.short ? `/-${flag.short}` : ''}`;

export class Args {
  constructor(private readonly values: Record<string, string | string[] | boolean | undefined>) {}

  string(name: string): string | undefined {
    const value = this.values[name];
    return typeof value === 'string' ? value : undefined;
  }

  /** A flag the table declares required, so the parser has checked it is there. */
  required(name: string): string {
    const value = this.string(name);
    if (value === undefined) throw new UsageError(`the following arguments are required: --${name}`);
    return value;
  }

  list(name: string): string[] | undefined {
    const value = this.values[name];
    return Array.isArray(value) ? value : undefined;
  }

  bool(name: string): boolean | undefined {
    const value = this.values[name];
    return typeof value === 'boolean' ? value : undefined;
  }

  integer(name: string): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value)) throw new UsageError(`argument --${name}: invalid int value: '${value}'`);
    return Number(value);
  }
}

const isFlagToken = (token: string | undefined) => token !== undefined && /^-[A-Za-z-]/.test(token);

/** Parses `argv` against `flags`; throws UsageError with argparse's wording. */
export function parseFlags(argv: string[], flags: Flag[]): Args {
  const byToken = new Map<string, Flag>();
  for (const flag of flags) {
    byToken.set(`--${flag.name}`, flag);
    if (flag.short) byToken.set(`-${flag.short}`, flag);
    for (const alias of flag.aliases ?? []) byToken.set(alias, flag);
  }
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const flag of flags) {
    options[flag.name] = { type: flag.kind === 'switch' ? 'boolean' : 'string', multiple: flag.kind === 'list' };
    if (flag.short) options[flag.name].short = flag.short;
  }

  let parsed: Record<string, string | string[] | boolean | undefined>;
  try {
    parsed = parseArgs({ args: normalize(argv, byToken), options, strict: true, allowPositionals: false })
      .values as typeof parsed;
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown) throw new UsageError(`unrecognized arguments: ${unknown[1]}`);
    const positional = /Unexpected argument '([^']+)'/.exec(message);
    throw new UsageError(positional ? `unrecognized arguments: ${positional[1]}` : message.split('. ')[0]);
  }

  const values: Record<string, string | string[] | boolean | undefined> = {};
  const missing: string[] = [];
  for (const flag of flags) {
    let value = parsed[flag.name] ?? flag.default;
    if (value === undefined) {
      if (flag.required) missing.push(flagLabel(flag));
      continue;
    }
    if (flag.kind === 'bool') value = toBoolean(flag, value as string);
    else if (flag.values) value = choice(flag, value as string);
    values[flag.name] = value;
  }
  if (missing.length > 0) throw new UsageError(`the following arguments are required: ${missing.join(', ')}`);
  return new Args(values);
}

/**
 * Rewrites aliases to the flag's own name, list flags as repeated `--flag value` and three-state
 * booleans as `--flag=value`, so parseArgs sees plain string options.
 */
function normalize(argv: string[], byToken: Map<string, Flag>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    const equals = token.startsWith('--') ? token.indexOf('=') : -1;
    const flag = byToken.get(equals > 0 ? token.slice(0, equals) : token);
    if (!flag) {
      out.push(token);
    } else if (equals > 0) {
      out.push(`--${flag.name}=${token.slice(equals + 1)}`);
    } else if (flag.kind === 'list') {
      const start = out.length;
      while (i + 1 < argv.length && !isFlagToken(argv[i + 1])) out.push(`--${flag.name}`, argv[++i]);
      if (out.length === start) throw new UsageError(`argument ${flagLabel(flag)}: expected at least one argument`);
    } else if (flag.kind === 'bool') {
      const next = argv[i + 1]?.toLowerCase();
      const explicit = next !== undefined && (TRUE.includes(next) || FALSE.includes(next));
      out.push(`--${flag.name}=${explicit ? next : 'true'}`);
      if (explicit) i++;
    } else {
      out.push(`--${flag.name}`);
    }
  }
  return out;
}

function toBoolean(flag: Flag, value: string): boolean {
  const lower = value.toLowerCase();
  if (TRUE.includes(lower)) return true;
  if (FALSE.includes(lower)) return false;
  throw new UsageError(`argument ${flagLabel(flag)}: invalid choice: '${value}' (choose from 'true', 'false')`);
}

function choice(flag: Flag, value: string): string {
  const match = flag.values!.find((allowed) => allowed.toLowerCase() === value.toLowerCase());
  if (match === undefined)
    throw new UsageError(
      `argument ${flagLabel(flag)}: invalid choice: '${value}' (choose from ${flag.values!.map((v) => `'${v}'`).join(', ')})`,
    );
  return match;
}
