/**
 * ARM template language expressions: the text of a JSON string that starts with '[' and ends with ']'
 * (and does not start with '[[', ARM's escape for a literal '['), tokenized and parsed into a tree.
 *
 * The grammar, as ARM's engine reads it:
 *   expression := primary ( '.' name | '.?' name | '[' expression ']' | '[?' expression ']' )*
 *   primary    := 'string' | integer | call
 *   call       := name ( '.' name )? '(' ( expression ( ',' expression )* )? ')'
 * Strings are single-quoted with '' for a quote; integers are decimal with an optional '-', 64-bit;
 * `true` and `false` are functions (`true()`), as in ARM; `ns.fn(...)` calls a user-defined function.
 * `.?` and `[?` are safe dereferences (null instead of an error when the member is missing).
 * Positions are 0-based offsets into the text as written, brackets included.
 */
import { ExpressionFailure } from './errors.ts';

export interface StringLiteral {
  kind: 'string';
  value: string;
  start: number;
}
export interface IntegerLiteral {
  kind: 'integer';
  value: number;
  start: number;
}
export interface FunctionCall {
  kind: 'call';
  /** The namespace of a user-defined function (`ns` in `ns.fn()`); absent for built-in functions. */
  namespace?: string;
  name: string;
  args: Expression[];
  start: number;
}
export interface PropertyAccess {
  kind: 'property';
  target: Expression;
  name: string;
  safe: boolean;
  start: number;
}
export interface IndexAccess {
  kind: 'index';
  target: Expression;
  index: Expression;
  safe: boolean;
  start: number;
}
export type Expression = StringLiteral | IntegerLiteral | FunctionCall | PropertyAccess | IndexAccess;

/** Whether a template string is an expression: "[...]", but not the escaped literal "[[...]". */
export const isExpression = (text: string): boolean =>
  text.length >= 2 && text.startsWith('[') && text.endsWith(']') && text[1] !== '[';

type TokenKind =
  | 'Identifier'
  | 'String'
  | 'Integer'
  | 'LeftParenthesis'
  | 'RightParenthesis'
  | 'LeftSquareBracket'
  | 'RightSquareBracket'
  | 'Comma'
  | 'Dot'
  | 'QuestionMark'
  | 'EndOfData';

interface Token {
  kind: TokenKind;
  text: string;
  start: number;
  value?: string | number;
}

const PUNCTUATION: Record<string, TokenKind> = {
  '(': 'LeftParenthesis',
  ')': 'RightParenthesis',
  '[': 'LeftSquareBracket',
  ']': 'RightSquareBracket',
  ',': 'Comma',
  '.': 'Dot',
  '?': 'QuestionMark',
};
const IDENTIFIER_START = /[A-Za-z_$]/;
const IDENTIFIER_PART = /[A-Za-z0-9_$]/;
const INT64_MAX = 9223372036854775807n;

function parseError(text: string, position: number, detail: string): ExpressionFailure {
  return new ExpressionFailure(
    `Unable to parse language expression '${text.slice(1, -1)}': ${detail} at position ${position}.`,
    position,
  );
}

/** The tokens of `text` between its outer brackets (offsets stay those of `text`). */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const end = text.length - 1;
  let i = 1;
  while (i < end) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= end) throw parseError(text, start, 'the string literal is not terminated');
        if (text[i] === "'") {
          if (text[i + 1] === "'" && i + 1 < end) {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      tokens.push({ kind: 'String', text: text.slice(start, i), start, value });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const start = i;
      i++;
      while (i < end && /[0-9]/.test(text[i])) i++;
      if (text[i] === '.' && /[0-9]/.test(text[i + 1] ?? ''))
        throw parseError(text, start, 'a number must be an integer (floating point literals are not supported)');
      const digits = text.slice(start, i);
      const big = BigInt(digits);
      if (big > INT64_MAX || big < -INT64_MAX - 1n)
        throw parseError(text, start, `the integer '${digits}' is outside the 64-bit range`);
      tokens.push({ kind: 'Integer', text: digits, start, value: Number(digits) });
    } else if (IDENTIFIER_START.test(c)) {
      const start = i;
      while (i < end && IDENTIFIER_PART.test(text[i])) i++;
      tokens.push({ kind: 'Identifier', text: text.slice(start, i), start, value: text.slice(start, i) });
    } else if (PUNCTUATION[c]) {
      tokens.push({ kind: PUNCTUATION[c], text: c, start: i });
      i++;
    } else {
      throw parseError(text, i, `the character '${c}' is not expected`);
    }
  }
  tokens.push({ kind: 'EndOfData', text: '', start: end });
  return tokens;
}

class Parser {
  private at = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  private get current(): Token {
    return this.tokens[this.at];
  }

  private expect(kind: TokenKind): Token {
    const token = this.current;
    if (token.kind !== kind) throw this.unexpected(kind);
    this.at++;
    return token;
  }

  private unexpected(expected: string): ExpressionFailure {
    const token = this.current;
    return parseError(this.text, token.start, `expected token '${expected}' and actual '${token.kind}'`);
  }

  parseAll(): Expression {
    if (this.current.kind === 'EndOfData') throw parseError(this.text, this.current.start, 'the expression is empty');
    const expression = this.parseExpression();
    this.expect('EndOfData');
    return expression;
  }

  private parseExpression(): Expression {
    let expression = this.parsePrimary();
    for (;;) {
      const token = this.current;
      if (token.kind === 'Dot') {
        this.at++;
        const safe = this.current.kind === 'QuestionMark';
        if (safe) this.at++;
        const name = this.expect('Identifier');
        expression = { kind: 'property', target: expression, name: name.text, safe, start: token.start };
      } else if (token.kind === 'LeftSquareBracket') {
        this.at++;
        const safe = this.current.kind === 'QuestionMark';
        if (safe) this.at++;
        const index = this.parseExpression();
        this.expect('RightSquareBracket');
        expression = { kind: 'index', target: expression, index, safe, start: token.start };
      } else {
        return expression;
      }
    }
  }

  private parsePrimary(): Expression {
    const token = this.current;
    if (token.kind === 'String') {
      this.at++;
      return { kind: 'string', value: token.value as string, start: token.start };
    }
    if (token.kind === 'Integer') {
      this.at++;
      return { kind: 'integer', value: token.value as number, start: token.start };
    }
    if (token.kind !== 'Identifier') throw this.unexpected('Identifier');
    this.at++;
    let namespace: string | undefined;
    let name = token.text;
    if (this.current.kind === 'Dot' && this.tokens[this.at + 1]?.kind === 'Identifier') {
      this.at++;
      namespace = name;
      name = this.expect('Identifier').text;
    }
    this.expect('LeftParenthesis');
    const args: Expression[] = [];
    if (this.current.kind !== 'RightParenthesis') {
      args.push(this.parseExpression());
      while (this.current.kind === 'Comma') {
        this.at++;
        args.push(this.parseExpression());
      }
    }
    this.expect('RightParenthesis');
    const call: FunctionCall = { kind: 'call', name, args, start: token.start };
    if (namespace !== undefined) call.namespace = namespace;
    return call;
  }
}

/** Parses one expression string as written in a template, brackets included. */
export function parseExpression(text: string): Expression {
  if (!isExpression(text))
    throw new ExpressionFailure(
      `The value '${text}' is not a template language expression: it must start with '[' and end with ']'.`,
      0,
    );
  return new Parser(text, tokenize(text)).parseAll();
}

/** Every function call in the tree, outermost first, each with its arguments' trees. */
export function functionCalls(expression: Expression): FunctionCall[] {
  const calls: FunctionCall[] = [];
  const visit = (node: Expression): void => {
    if (node.kind === 'call') {
      calls.push(node);
      node.args.forEach(visit);
    } else if (node.kind === 'property') {
      visit(node.target);
    } else if (node.kind === 'index') {
      visit(node.target);
      visit(node.index);
    }
  };
  visit(expression);
  return calls;
}
