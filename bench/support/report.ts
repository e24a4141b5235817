/**
 * What the benchmarks share to time things and print what they found: a timer, the median, the
 * machine's one-line description, and markdown tables whose first column is left-aligned and the
 * rest right-aligned, every column as wide as its widest cell, among them one that sets a thing
 * measured beside its reference round by round.
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

/** The median when every round gave a number. */
export const medianOfAll = (numbers: Array<number | undefined>) =>
  numbers.every((value) => value !== undefined) ? median(numbers as number[]) : undefined;

/** `to` - `from` when both are known. */
export const between = (from: number | undefined, to: number | undefined) =>
  from === undefined || to === undefined ? undefined : to - from;

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

/** One side of `sideBySide`: its name in the header and its rounds. */
export interface Side<Run> {
  name: string;
  runs: Run[];
}

/**
 * A table of seconds with a row per phase: the reference's rounds and median, the measured side's
 * rounds and median, and measured / reference of the medians. A phase one side does not have (its
 * `of` gives undefined) leaves its cells and the ratio blank.
 */
export function sideBySide<Run>(
  reference: Side<Run>,
  measured: Side<Run>,
  rows: Array<[string, (run: Run) => number | undefined]>,
): string {
  const columns = (side: Side<Run>) => [...side.runs.map((_, i) => `${side.name} ${i + 1} s`), `${side.name} median s`];
  return markdownTable(
    ['phase', ...columns(reference), ...columns(measured), `${measured.name} / ${reference.name}`],
    rows.map(([name, of]) => {
      const [referenceRuns, measuredRuns] = [reference.runs.map(of), measured.runs.map(of)];
      const [referenceMedian, measuredMedian] = [medianOfAll(referenceRuns), medianOfAll(measuredRuns)];
      return [
        name,
        ...referenceRuns.map(seconds),
        seconds(referenceMedian),
        ...measuredRuns.map(seconds),
        seconds(measuredMedian),
        referenceMedian === undefined || measuredMedian === undefined ? '' : ratio(measuredMedian / referenceMedian),
      ];
    }),
  );
}

export const seconds = (value: number | undefined) => (value === undefined ? '' : value.toFixed(2));
export const ratio = (value: number | undefined) => (value === undefined ? '' : value.toFixed(2));
export const mib = (bytes: number | undefined) => (bytes === undefined ? '' : (bytes / MIB).toFixed(1));
export const percent = (part: number | undefined, whole: number) =>
  part === undefined ? '' : `${((part / whole) * 100).toFixed(2)}%`;
