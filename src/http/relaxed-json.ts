/**
 * The JSON that ARM's reader (Json.NET) takes beyond the standard, rewritten as standard JSON: member
 * names without quotes and comments (`//`, `/* *\/`). Clients depend on it: azure-cli's deployment
 * commands splice the template into the request as `template:{...}`, with its name unquoted. Strings
 * are copied as they are; nothing else changes, so what was valid JSON reads the same.
 */
const NAME_START = /[A-Za-z_$]/;
const NAME_PART = /[A-Za-z0-9_$]/;

export function relaxedToStrictJson(text: string): string {
  let out = '';
  let i = 0;
  // What the last significant character opened or separated: a name may stand where a member starts.
  let memberMayStart = false;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
      memberMayStart = false;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 2;
      out += ' ';
      continue;
    }
    if (memberMayStart && NAME_START.test(c)) {
      let end = i + 1;
      while (end < text.length && NAME_PART.test(text[end])) end++;
      let after = end;
      while (after < text.length && /\s/.test(text[after])) after++;
      if (text[after] === ':') {
        out += `"${text.slice(i, end)}"`;
        i = end;
        memberMayStart = false;
        continue;
      }
    }
    if (c === '{' || c === ',') memberMayStart = true;
    else if (!/\s/.test(c)) memberMayStart = false;
    out += c;
    i++;
  }
  return out;
}

/** The index just past the string that starts at `start` (a `"`), escapes skipped. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return Math.min(i + 1, text.length);
}
