/**
 * Progress of long-running work on stderr, so stdout stays the command's result. On a terminal one
 * status line is redrawn in place; elsewhere (logs, CI) each new status is a line of its own.
 */
export class Progress {
  private status = '';
  private drawn = false;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  /** Replaces the status line; nothing is printed when it has not changed. */
  update(text: string): void {
    if (text === this.status) return;
    this.status = text;
    if (this.tty) {
      this.out.write(`\r\x1b[2K${text}`);
      this.drawn = true;
    } else {
      this.out.write(`${text}\n`);
    }
  }

  /** A line that stays (a log line), printed above the status line. */
  line(text: string): void {
    if (this.tty && this.drawn) this.out.write('\r\x1b[2K');
    this.out.write(`${text}\n`);
    if (this.tty && this.drawn) this.out.write(this.status);
  }

  /** Ends the display: the last status stays on screen. */
  end(): void {
    if (this.tty && this.drawn) this.out.write('\n');
    this.drawn = false;
    this.status = '';
  }
}
