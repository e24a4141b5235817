/**
 * The live display of a build, drawn from its customization.log as it grows: one line per step with
 * its elapsed time, the step's own output indented beneath. On a terminal a spinner line at the
 * bottom shows the running step and its time; elsewhere (CI logs, tests) plain lines only.
 */
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z /;
const STEP = /^==> (.+?): (started|succeeded in (.+)|failed after ([^:]+): (.*)|cleanup failed: (.*))$/;
const STEP_OUTPUT = /^\[([^\]]+)\] (.*)$/;
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface ProgressOptions {
  /** Hide the steps' own output (`--quiet`). */
  quiet: boolean;
  write(text: string): void;
  /** A terminal: draw the spinner line. */
  tty: boolean;
}

export class BuildProgress {
  private step?: { name: string; started: number };
  private frame = 0;
  private timer?: NodeJS.Timeout;
  private spinnerShown = false;

  constructor(private readonly options: ProgressOptions) {
    if (options.tty) this.timer = setInterval(() => this.drawSpinner(), 100);
  }

  /** Something the CLI itself says (not from the log). */
  note(text: string): void {
    this.print(`  ${text}`);
  }

  /** One line of the customization.log. */
  logLine(raw: string): void {
    const line = raw.replace(TIMESTAMP, '');
    const step = STEP.exec(line);
    if (step) return this.stepEvent(step);
    if (line === '==> build canceled') return this.print('✗ canceled');
    if (this.options.quiet) return;
    this.print(`    ${STEP_OUTPUT.exec(line)?.[2] ?? line}`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.clearSpinner();
  }

  private stepEvent([, name, phase, took, failedAfter, reason, cleanupReason]: RegExpExecArray): void {
    if (phase === 'started') {
      this.step = { name, started: Date.now() };
      return this.print(`==> ${name}`);
    }
    this.step = undefined;
    if (took) return this.print(`✓ ${name} (${took})`);
    if (failedAfter) return this.print(`✗ ${name} failed after ${failedAfter}: ${reason}`);
    this.print(`! ${name}: cleanup failed: ${cleanupReason}`);
  }

  private print(text: string): void {
    this.clearSpinner();
    this.options.write(`${text}\n`);
    this.drawSpinner();
  }

  private drawSpinner(): void {
    if (!this.options.tty || !this.step) return;
    const seconds = ((Date.now() - this.step.started) / 1000).toFixed(1);
    this.options.write(`\r\x1b[2K${SPINNER[this.frame++ % SPINNER.length]} ${this.step.name}  ${seconds} s`);
    this.spinnerShown = true;
  }

  private clearSpinner(): void {
    if (!this.spinnerShown) return;
    this.options.write('\r\x1b[2K');
    this.spinnerShown = false;
  }
}
