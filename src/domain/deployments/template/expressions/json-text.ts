/**
 * JSON text as `json()` and `base64ToJson()` read it. ARM parses with Newtonsoft, which is more lenient
 * than JSON.parse: strings may be single-quoted, property names may be bare identifiers, and comments
 * are skipped, so templates written that way (`json('{''a'': 1}')`) work here too.
 */

export class JsonTextError extends Error {}

export function parseJsonText(text: string): unknown {
  const reader = new Reader(text);
  const value = reader.value();
  reader.skipSpace();
  if (!reader.done) throw reader.error('unexpected content after the value');
  return value;
}

const ESCAPES: Record<string, string> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

class Reader {
  private at = 0;
  constructor(private readonly text: string) {}

  get done(): boolean {
    return this.at >= this.text.length;
  }

  error(detail: string): JsonTextError {
    return new JsonTextError(`${detail} at position ${this.at}`);
  }

  skipSpace(): void {
    for (;;) {
      while (/\s/.test(this.text[this.at] ?? '')) this.at++;
      if (this.text.startsWith('//', this.at)) {
        while (!this.done && this.text[this.at] !== '\n') this.at++;
      } else if (this.text.startsWith('/*', this.at)) {
        const close = this.text.indexOf('*/', this.at + 2);
        if (close < 0) throw this.error('unterminated comment');
        this.at = close + 2;
      } else {
        return;
      }
    }
  }

  value(): unknown {
    this.skipSpace();
    const c = this.text[this.at];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"' || c === "'") return this.string();
    const number = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/.exec(this.text.slice(this.at));
    if (number) {
      this.at += number[0].length;
      return Number(number[0]);
    }
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return value;
      }
    }
    throw this.error(this.done ? 'unexpected end of text' : `unexpected character '${c}'`);
  }

  private string(): string {
    const quote = this.text[this.at++];
    let out = '';
    for (;;) {
      if (this.done) throw this.error('unterminated string');
      const c = this.text[this.at++];
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.at++];
      if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.at, this.at + 4))) {
        out += String.fromCharCode(parseInt(this.text.slice(this.at, this.at + 4), 16));
        this.at += 4;
      } else if (e !== undefined && ESCAPES[e] !== undefined) {
        out += ESCAPES[e];
      } else {
        throw this.error(`invalid escape '\\${e ?? ''}'`);
      }
    }
  }

  private name(): string {
    this.skipSpace();
    const c = this.text[this.at];
    if (c === '"' || c === "'") return this.string();
    const bare = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(this.text.slice(this.at));
    if (!bare) throw this.error('expected a property name');
    this.at += bare[0].length;
    return bare[0];
  }

  private expect(c: string): void {
    this.skipSpace();
    if (this.text[this.at] !== c) throw this.error(`expected '${c}'`);
    this.at++;
  }

  /** The items of an object or array up to `close`, separated by commas; the opening bracket is current. */
  private sequence(close: string, item: () => void): void {
    this.at++;
    this.skipSpace();
    if (this.text[this.at] === close) {
      this.at++;
      return;
    }
    for (;;) {
      item();
      this.skipSpace();
      if (this.text[this.at] === close) {
        this.at++;
        return;
      }
      this.expect(',');
    }
  }

  private object(): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    this.sequence('}', () => {
      const name = this.name();
      this.expect(':');
      object[name] = this.value();
    });
    return object;
  }

  private array(): unknown[] {
    const items: unknown[] = [];
    this.sequence(']', () => items.push(this.value()));
    return items;
  }
}
