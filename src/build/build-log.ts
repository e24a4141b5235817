/**
 * A build run's `customization.log`, like Azure Image Builder's: every step's output, in order,
 * readable by the user while the build runs.
 *
 * Writes are synchronous appends of whole lines, so whoever tails the file sees each line as soon as
 * it is written and never half of one. Known secrets (SAS signatures, tokens) are replaced by `***`
 * in every line before it reaches the file; redaction works on whole lines, which is why child
 * output is line-buffered first: a secret can never straddle two writes.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { type Clock, systemClock } from '../core/clock.ts';

/** A longer run of bytes without a newline is cut into lines of this size, to bound memory. */
const MAX_LINE = 64 * 1024;
/** Lines a stream keeps for its own `tail`: enough for any error message. */
const STREAM_TAIL_KEEP = 200;

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
    write: (chunk) => push(typeof chunk === 'string' ? chunk : decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))),
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
  /** Flushes a last line that had no newline. */
  end(): void;
  /** The last `n` lines of this stream alone, redacted, without prefix: for error messages. */
  tail(n: number): string[];
}

export interface BuildLog {
  readonly path: string;
  line(text: string): void;
  stream(prefix: string): LogStream;
  /** The last `n` lines of the whole file, as written. */
  tail(n: number): string[];
  /** Adds values never to be written; lines already written are not rewritten. */
  redact(values: string[]): void;
  close(): void;
}

/** Text as log lines: every line starts with its time, also each line of a multi-line message. */
export function logLines(text: string, time: Date): string {
  const stamp = time.toISOString();
  return text.split('\n').map((line) => `${stamp} ${line}\n`).join('');
}

/** Opens (or continues) the log at `path`; the directory is created when missing. */
export function openBuildLog(path: string, options: { clock?: Clock } = {}): BuildLog {
  const clock = options.clock ?? systemClock;
  mkdirSync(dirname(path), { recursive: true });
  // 0600: the log holds whatever the user's scripts print; Kiln serves it, nobody else reads it.
  let fd: number | undefined = openSync(path, 'a', 0o600);
  let secrets: string[] = [];

  const redactText = (text: string) => secrets.reduce((out, secret) => out.split(secret).join('***'), text);
  const append = (text: string) => {
    if (fd === undefined) throw new Error(`Build log ${path} is closed.`);
    writeSync(fd, logLines(text, clock.now()));
  };

  return {
    path,
    line: (text) => append(redactText(text)),
    stream(prefix) {
      const recent: string[] = [];
      const line = (text: string) => {
        const clean = redactText(text);
        recent.push(clean);
        if (recent.length > STREAM_TAIL_KEEP) recent.shift();
        append(`[${prefix}] ${clean}`);
      };
      const splitter = lineSplitter(line);
      return { write: splitter.write, end: splitter.end, line, tail: (n) => recent.slice(-n) };
    },
    tail: (n) => tailFile(path, n),
    redact(values) {
      // Longest first, so a secret containing another is replaced whole.
      secrets = [...new Set([...secrets, ...values.filter((value) => value !== '')])].sort((a, b) => b.length - a.length);
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/** Reads backwards from the end only as far as `n` lines need, so a long log stays cheap to tail. */
function tailFile(path: string, n: number): string[] {
  if (n <= 0) return [];
  const fd = openSync(path, 'r');
  try {
    let position = fstatSync(fd).size;
    let text = Buffer.alloc(0);
    const lines = () => text.toString('utf8').split('\n').filter((line, i, all) => i < all.length - 1 || line !== '');
    while (position > 0 && lines().length <= n) {
      const size = Math.min(64 * 1024, position);
      position -= size;
      const chunk = Buffer.alloc(size);
      readSync(fd, chunk, 0, size, position);
      text = Buffer.concat([chunk, text]);
    }
    return lines().slice(-n);
  } finally {
    closeSync(fd);
  }
}
