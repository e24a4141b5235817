/**
 * JSON as `az deployment` reads it. Templates and parameter files may hold comments (`//` to the end
 * of a line, `/* ... *\/`) and raw line breaks or tabs inside strings (az strips comments with jsmin
 * and parses with Python's `strict=False`); comments inside strings are text. Inline values az parses
 * with `shell_safe_json_parse`: JSON, or failing that a Python literal (`ast.literal_eval`), so
 * `'("a", "b")'` is the array ["a", "b"] and `"{'k': True}"` an object.
 */

/** Parses JSON with comments; throws SyntaxError as JSON.parse does. */
export function parseJsonc(text: string): unknown {
  return JSON.parse(withoutComments(text));
}

/** The text with comments removed and control characters inside strings escaped, so JSON.parse takes it. */
export function withoutComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      out += escapeControls(text.slice(i, end));
      i = end;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 2;
      out += ' ';
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Index just past the string starting at `start` (a `"`), or the text's end when it is not closed. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  return text.length;
}

const escapeControls = (quoted: string) =>
  quoted.replace(/[\u0000-\u001f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** az's `shell_safe_json_parse`: JSON (comments allowed), else a Python literal; throws az's message. */
export function parseShellJson(text: string): unknown {
  try {
    return parseJsonc(text);
  } catch (jsonError) {
    try {
      return new PythonLiteral(text).parse();
    } catch {
      throw new Error(`Failed to parse string as JSON:\n${text}\nError detail: ${(jsonError as Error).message}`);
    }
  }
}

/**
 * The literals `ast.literal_eval` takes that JSON can hold: strings in either quote with escapes,
 * numbers, True, False, None, lists, tuples (arrays) and dicts.
 */
class PythonLiteral {
  private at = 0;

  constructor(private readonly text: string) {}

  parse(): unknown {
    const value = this.value();
    this.space();
    if (this.at < this.text.length) this.fail();
    return value;
  }

  private value(): unknown {
    this.space();
    const c = this.text[this.at];
    if (c === '[' || c === '(') return this.sequence(c === '[' ? ']' : ')');
    if (c === '{') return this.dict();
    if (c === '"' || c === "'") return this.strings();
    const word = /^(True|False|None)\b/.exec(this.text.slice(this.at));
    if (word) {
      this.at += word[0].length;
      return { True: true, False: false, None: null }[word[1] as 'True' | 'False' | 'None'];
    }
    const number = /^[-+]?(\d[\d_]*(\.[\d_]*)?|\.\d[\d_]*)([eE][-+]?\d+)?/.exec(this.text.slice(this.at));
    if (!number) this.fail();
    this.at += number[0].length;
    return Number(number[0].replace(/_/g, ''));
  }

  /** `[a, b]` or `(a, b)`; `(a)` alone is `a`, as in Python. */
  private sequence(close: string): unknown {
    this.at++;
    const items: unknown[] = [];
    let comma = false;
    for (;;) {
      this.space();
      if (this.text[this.at] === close) break;
      items.push(this.value());
      this.space();
      comma = this.text[this.at] === ',';
      if (comma) this.at++;
      else if (this.text[this.at] !== close) this.fail();
    }
    this.at++;
    return close === ')' && items.length === 1 && !comma ? items[0] : items;
  }

  private dict(): Record<string, unknown> {
    this.at++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.space();
      if (this.text[this.at] === '}') break;
      const key = this.value();
      this.space();
      if (this.text[this.at++] !== ':') this.fail();
      out[String(key)] = this.value();
      this.space();
      if (this.text[this.at] === ',') this.at++;
      else if (this.text[this.at] !== '}') this.fail();
    }
    this.at++;
    return out;
  }

  /** One or more adjacent string literals, joined as Python joins them. */
  private strings(): string {
    let out = '';
    do {
      out += this.string();
      this.space();
    } while (this.text[this.at] === '"' || this.text[this.at] === "'");
    return out;
  }

  private string(): string {
    const quote = this.text[this.at++];
    let out = '';
    for (;;) {
      const c = this.text[this.at++];
      if (c === undefined || c === '\n') this.fail();
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.at++];
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b', f: '\f', '\n': '' };
      if (e in simple) out += simple[e];
      else if (e === 'x' || e === 'u') {
        const length = e === 'x' ? 2 : 4;
        const hex = this.text.slice(this.at, this.at + length);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== length) this.fail();
        out += String.fromCharCode(parseInt(hex, 16));
        this.at += length;
      } else if (e === quote || e === '\\' || e === '"' || e === "'") out += e;
      else out += `\\${e}`;
    }
  }

  private space(): void {
    while (/\s/.test(this.text[this.at] ?? '')) this.at++;
  }

  private fail(): never {
    throw new SyntaxError(`not a Python literal at position ${this.at}`);
  }
}
