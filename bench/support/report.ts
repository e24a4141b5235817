/**
 * What the benchmarks share to time things and print what they found: a timer, the median, the
 * machine's one-line description, and markdown tables whose first column is left-aligned and the
 * rest right-aligned, every column as wide as its widest cell.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';

export const MIB = 1024 * 1024;

/** Runs `work` and gives its result and how long it took, in seconds. */
export async function timed<T>(work: () => Promise<T> | T): Promise<[T, number]> {
  const start = performance.now();
  const result = await work();
  return [result, (performance.now() - start) / 1000];
}

/** The middle value (the lower middle of an even count). */
export function median(numbers: number[]): number {
  if (numbers.length === 0) throw new Error('the median of no numbers');
  return [...numbers].sort((a, b) => a - b)[Math.floor((numbers.length - 1) / 2)];
}

export const machine = () =>
  `${os.availableParallelism()} CPUs (${os.cpus()[0]?.model}), ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, node ${process.version}`;

/** A markdown table of `header` and `rows` (cells already formatted). */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${widths.map((width, i) => (i === 0 ? (cells[i] ?? '').padEnd(width) : (cells[i] ?? '').padStart(width))).join(' | ')} |`;
  const rule = `| ${widths.map((width, i) => (i === 0 ? '-'.repeat(width) : `${'-'.repeat(width - 1)}:`)).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export const seconds = (value: number | undefined) => (value === undefined ? '' : value.toFixed(2));
export const ratio = (value: number | undefined) => (value === undefined ? '' : value.toFixed(2));
export const mib = (bytes: number | undefined) => (bytes === undefined ? '' : (bytes / MIB).toFixed(1));
export const percent = (part: number | undefined, whole: number) =>
  part === undefined ? '' : `${((part / whole) * 100).toFixed(2)}%`;
