/** `-o` and `--query` for the commands that run without a server, printed exactly as the server commands print. */
import { UsageError } from './arm/args.ts';
import { applyQuery, render, type OutputFormat } from './arm/output.ts';

const FORMATS: OutputFormat[] = ['json', 'jsonc', 'none', 'table', 'tsv', 'yaml'];

export const outputOptions = {
  output: { type: 'string', short: 'o' },
  query: { type: 'string' },
} as const;

export function printResult(value: unknown, options: { output?: string; query?: string }): void {
  const format = (options.output ?? 'json') as OutputFormat;
  if (!FORMATS.includes(format))
    throw new UsageError(
      `argument --output/-o: invalid choice: '${format}' (choose from ${FORMATS.map((f) => `'${f}'`).join(', ')})`,
    );
  process.stdout.write(render(applyQuery(value, options.query), format, { queryActive: options.query !== undefined }));
}
