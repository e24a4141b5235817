/**
 * The run's customization.log as its record keeping uses it: lines about the run's progress and end,
 * then the file sealed into a region blob (`end-run.ts`). The job opens the log (imaging/build-log.ts's
 * `BuildLog` is one) and hands it in, so the domain writes it without knowing how builds log.
 */
export interface RunLog {
  readonly path: string;
  line(text: string): void;
  /** The last `n` lines of the file, for a failure message. */
  tail(n: number): string[];
  close(): void;
}
