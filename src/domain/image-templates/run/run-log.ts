/**
 * The run's customization.log as its record keeping uses it: lines about the run's progress and end,
 * then, once closed, sealed from the live log into a region blob (`end-run.ts`). The job opens the log
 * (imaging/build-log.ts's `BuildLog` over the run's live log, live-log-writer.ts) and hands it in, so
 * the domain writes it without knowing how builds log.
 */
export interface RunLog {
  line(text: string): void;
  /** The last lines this attempt wrote, for a failure message. */
  tail(n: number): string[];
  /** Writes out what the log holds, so a reader on any node sees it and the run's end can seal it. */
  close(): Promise<void>;
}
