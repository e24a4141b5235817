/** Help text in az's layout, made from the command tables. */
import { GLOBAL_FLAGS, NO_WAIT, type Flag } from './args.ts';
import type { CommandSpec, Example, GroupSpec } from './command.ts';

const INDENT = '    ';

function aligned(rows: Array<[string, string]>): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `${INDENT}${left.padEnd(width)} : ${right}`);
}

function examples(list: Example[]): string[] {
  if (list.length === 0) return [];
  return ['', 'Examples', ...list.flatMap((e) => [`${INDENT}${e.title}`, `${INDENT}${INDENT}${e.command}`, ''])].slice(
    0,
    -1,
  );
}

export function groupHelp(path: string[], group: GroupSpec): string {
  const lines = ['Group', `${INDENT}${path.join(' ')} : ${group.summary}`];
  if (group.groups?.length) lines.push('', 'Subgroups:', ...aligned(group.groups.map((g) => [g.name, g.summary])));
  if (group.commands.length) lines.push('', 'Commands:', ...aligned(group.commands.map((c) => [c.name, c.summary])));
  // A group of groups (kiln role) shows its subgroups' first examples.
  const commands =
    group.commands.length > 0 ? group.commands : (group.groups ?? []).map((g) => g.commands[0]).filter(Boolean);
  lines.push(...examples(commands.map((c) => c.examples[0]).filter(Boolean)));
  lines.push('', `Run '${path.join(' ')} <command> --help' for a command's arguments and more examples.`);
  return `${lines.join('\n')}\n`;
}

function flagRows(flags: Flag[]): Array<[string, string]> {
  return flags.map((flag) => {
    const left = [
      `--${flag.name}`,
      ...(flag.aliases ?? []),
      ...(flag.short ? [`-${flag.short}`] : []),
      ...(flag.required ? ['[Required]'] : []),
    ].join(' ');
    const extra = [
      flag.values ? `Allowed values: ${flag.values.join(', ')}.` : '',
      flag.default ? `Default: ${flag.default}.` : '',
    ]
      .filter(Boolean)
      .join(' ');
    return [left, extra ? `${flag.help} ${extra}` : flag.help];
  });
}

export function commandHelp(path: string[], command: CommandSpec): string {
  const own = [...command.flags, ...(command.longRunning ? [NO_WAIT] : [])].sort(
    (a, b) => Number(!!b.required) - Number(!!a.required),
  );
  const globals = GLOBAL_FLAGS.filter((g) => !own.some((f) => f.name === g.name));
  const lines = ['Command', `${INDENT}${path.join(' ')} : ${command.summary}`];
  const rows = flagRows(own);
  if (command.trailing) rows.push([`-- ${command.trailing.name}`, command.trailing.help]);
  if (rows.length) lines.push('', 'Arguments', ...aligned(rows));
  lines.push('', 'Global Arguments', ...aligned(flagRows(globals)));
  lines.push(...examples(command.examples));
  return `${lines.join('\n')}\n`;
}
