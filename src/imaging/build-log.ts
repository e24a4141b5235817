/**
 * A build run's `customization.log`, like Azure Image Builder's: every step's output, in order,
 * readable by the user while the build runs.
 *
 * Lines go to a sink: the run's live log in its region store (the domain's live-log-writer.ts, which
 * batches them so that any node can serve them while the run goes), or a file (the build steps'
 * tests read it). Writes are whole lines, so a reader never sees half of one. Known secrets (SAS
 * signatures, tokens) are replaced by `***` in every line before it reaches the sink; redaction works
 * on whole lines, which is why child output is line-buffered first: a secret can never straddle two writes.
 *
 * The log is bounded: once it reaches `maxBytes` (config `build.logMaxMiB`), counting what earlier
 * attempts of the run wrote, customizer output (stream lines) is no longer written; one line says so
 * and names the setting. Kiln's own lines (step starts and ends, errors, the run's result) are always
 * written, and a cut stream writes its last lines when it ends, so the end of a run reads as it would
 * uncut. What follows the cap is thus a few lines per step, bounded by the template, not by what its
 * scripts print.
 */
import { closeSync, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { type Clock, systemClock } from '../core/clock.ts';
import { logLines } from '../core/log-lines.ts';

/** A longer run of bytes without a newline is cut into lines of this size, to bound memory. */
const MAX_LINE = 64 * 1024;
/** Lines a stream, and the log, keep for their own `tail`: enough for any error message. */
const TAIL_KEEP = 200;
/** Last lines of a cut stream written when it ends. */
const CUT_TAIL = 20;
/** A run's log size when config.json says nothing (`build.logMaxMiB`). */
export const DEFAULT_LOG_MAX_MIB = 64;
const MiB = 1024 * 1024;

/** Splits a byte or text stream into lines (UTF-8, `\n` or `\r\n`); `end` flushes a last partial line. */
export function lineSplitter(onLine: (line: string) => void): { write(chunk: string | Uint8Array): void; end(): void } {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const emit = (line: string) => onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  const push = (text: string) => {
    pending += text;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      emit(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
    }
    while (pending.length >= MAX_LINE) {
      emit(pending.slice(0, MAX_LINE));
      pending = pending.slice(MAX_LINE);
    }
  };
  return {
    write: (chunk) =>
      push(
        typeof chunk === 'string'
          ? chunk
          : decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)),
      ),
    end: () => {
      push(decoder.end());
      if (pending !== '') emit(pending);
      pending = '';
    },
  };
}

/** One source of lines in the log (a step, a child process), each line prefixed with its name. */
export interface LogStream {
  /** Raw output (a child's stdout or stderr chunks); split into lines. */
  write(chunk: string | Uint8Array): void;
  /** One complete line. */
  line(text: string): void;
  /** Flushes a last line that had no newline; if the log's cap cut this stream, says how much and writes its last lines. */
  end(): void;
  /** The last `n` lines of this stream alone, redacted, without prefix: for error messages. */
  tail(n: number): string[];
}

/** Where a log's lines go: text of whole lines, in order. */
export interface LogSink {
  /** Bytes the log held before this sink took it (what earlier attempts of the run wrote). */
  readonly size: number;
  write(lines: string): void;
  /** Writes out what the sink holds; it takes nothing more. */
  close(): void | Promise<void>;
}

export interface BuildLog {
  line(text: string): void;
  stream(prefix: string): LogStream;
  /** The last `n` lines (at most 200) written through this log, as written. */
  tail(n: number): string[];
  /** Adds values never to be written; lines already written are not rewritten. */
  redact(values: string[]): void;
  /** Writes out what the sink holds; the log takes no more lines. */
  close(): Promise<void>;
  readonly closed: boolean;
}

/** A log kept in a local file, which its tests read. */
export type FileBuildLog = BuildLog & { readonly path: string };

/**
 * Opens a log over `sink`, or continues the file at `path` (its directory created when missing).
 * `maxBytes` caps the customizer output it takes (default `DEFAULT_LOG_MAX_MIB`), counting what the
 * log already holds.
 */
export function openBuildLog(path: string, options?: BuildLogOptions): FileBuildLog;
export function openBuildLog(sink: LogSink, options?: BuildLogOptions): BuildLog;
export function openBuildLog(target: string | LogSink, options: BuildLogOptions = {}): BuildLog {
  const sink = typeof target === 'string' ? fileSink(target) : target;
  const clock = options.clock ?? systemClock;
  const maxBytes = options.maxBytes ?? DEFAULT_LOG_MAX_MIB * MiB;
  let size = sink.size;
  let closed = false;
  let cut = false;
  let secrets: string[] = [];
  const written: string[] = [];

  const redactText = (text: string) => secrets.reduce((out, secret) => out.split(secret).join('***'), text);
  const write = (lines: string) => {
    if (closed) throw new Error('The build log is closed.');
    sink.write(lines);
    size += Buffer.byteLength(lines);
    for (const line of lines.slice(0, -1).split('\n')) {
      written.push(line);
      if (written.length > TAIL_KEEP) written.shift();
    }
  };
  const append = (text: string) => write(logLines(text, clock.now()));
  /** Writes a stream's line unless the cap is reached; false when it was left out. */
  const appendOutput = (text: string): boolean => {
    const lines = logLines(text, clock.now());
    if (size + Buffer.byteLength(lines) <= maxBytes) {
      write(lines);
      return true;
    }
    if (!cut) {
      cut = true;
      append(
        `customization.log reached its cap of ${mib(maxBytes)} (build.logMaxMiB in config.json): customizer output is left out from here on; ` +
          "Kiln's own lines and the last lines of each cut step still follow.",
      );
    }
    return false;
  };

  return {
    ...(typeof target === 'string' ? { path: target } : {}),
    line: (text) => append(redactText(text)),
    stream(prefix) {
      const recent: string[] = [];
      const dropped = { lines: 0, bytes: 0, last: [] as string[] };
      const line = (text: string) => {
        const clean = redactText(text);
        recent.push(clean);
        if (recent.length > TAIL_KEEP) recent.shift();
        if (appendOutput(`[${prefix}] ${clean}`)) return;
        dropped.lines++;
        dropped.bytes += Buffer.byteLength(clean);
        dropped.last.push(clean);
        if (dropped.last.length > CUT_TAIL) dropped.last.shift();
      };
      const splitter = lineSplitter(line);
      const end = () => {
        splitter.end();
        if (dropped.lines === 0) return;
        const shown = dropped.last.length;
        append(
          `[${prefix}] … ${dropped.lines} lines (${dropped.bytes} bytes) of output left out by build.logMaxMiB; the last ${shown} of them:`,
        );
        for (const text of dropped.last) append(`[${prefix}] ${text}`);
        dropped.lines = dropped.bytes = 0;
        dropped.last = [];
      };
      return { write: splitter.write, end, line, tail: (n) => recent.slice(-n) };
    },
    tail: (n) => (n <= 0 ? [] : written.slice(-n)),
    redact(values) {
      // Longest first, so a secret containing another is replaced whole.
      secrets = [...new Set([...secrets, ...values.filter((value) => value !== '')])].sort(
        (a, b) => b.length - a.length,
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      await sink.close();
    },
    get closed() {
      return closed;
    },
  };
}

interface BuildLogOptions {
  clock?: Clock;
  maxBytes?: number;
}

/** Appends to the file at `path`, made 0600: the log holds whatever the user's scripts print. */
function fileSink(path: string): LogSink {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'a', 0o600);
  return {
    size: fstatSync(fd).size,
    write: (lines) => void writeSync(fd, lines),
    close: () => closeSync(fd),
  };
}

const mib = (bytes: number) => `${+(bytes / MiB).toFixed(3)} MiB`;
