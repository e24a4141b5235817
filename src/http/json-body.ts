/**
 * How every JSON request body is read (ARM calls, and JSON sent to any other route): at most
 * JSON_BODY_LIMITS.bytes bytes (Fastify refuses more before reading it) and at most
 * JSON_BODY_LIMITS.depth levels of nesting, counted by one loop over the text before it is parsed.
 * Nothing here recurses, and what passes is shallow enough for every later walk over a body
 * (validation, structuredClone in template normalisation) to finish, so no body can exhaust the stack.
 * Then Fastify's own parser (secure-json-parse) parses it, refusing `__proto__` and `constructor` keys;
 * what it refuses is tried once more as Json.NET reads it (relaxed-json.ts: unquoted names, comments).
 *
 * A refusal is a 400 whose message names the limit and where in the body it was passed, in the words
 * of ARM's own JSON reader ("The reader's MaxDepth of 64 has been exceeded. Path 'a.b', line 1, position 9.").
 */
import type { FastifyInstance } from 'fastify';
import { relaxedToStrictJson } from './relaxed-json.ts';

export const JSON_BODY_LIMITS = {
  /** ARM's own limit on a request's content. */
  bytes: 4 * 1024 * 1024,
  /** ARM's JSON reader's MaxDepth. */
  depth: 64,
} as const;

/** A body refused for its shape before parsing; Fastify's error handlers see a 400. */
export class BodyRefused extends Error {
  readonly statusCode = 400;
  readonly code = 'KILN_BODY_REFUSED';
}

interface Level {
  array: boolean;
  /** The current member's name (objects) or element index (arrays). */
  at: string | number | undefined;
}

/** Keys longer than this are shortened in a refusal's path. */
const SHOWN_KEY_LENGTH = 40;

function memberName(text: string, start: number, end: number): string {
  let name: string;
  try {
    name = JSON.parse(text.slice(start, end + 1)) as string;
  } catch {
    name = text.slice(start + 1, end);
  }
  return name.length > SHOWN_KEY_LENGTH ? `${name.slice(0, SHOWN_KEY_LENGTH)}…` : name;
}

function pathOf(levels: Level[]): string {
  let path = '';
  for (const { array, at } of levels) {
    if (at === undefined) break;
    path += array ? `[${at}]` : `${path === '' ? '' : '.'}${at}`;
  }
  return path;
}

/** Where `text` nests deeper than `maxDepth`, or undefined. The text need not be valid JSON. */
export function nestingProblem(
  text: string,
  maxDepth: number,
): { path: string; line: number; position: number } | undefined {
  const levels: Level[] = [];
  let line = 1;
  let lineStart = 0;
  let stringStart = -1;
  let lastString: [number, number] | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (stringStart >= 0) {
      if (c === '\\') i++;
      else if (c === '"') {
        lastString = [stringStart, i];
        stringStart = -1;
      }
      continue;
    }
    const top = levels.at(-1);
    switch (c) {
      case '"':
        stringStart = i;
        break;
      case '\n':
        line++;
        lineStart = i + 1;
        break;
      case '{':
      case '[':
        if (levels.length === maxDepth) return { path: pathOf(levels), line, position: i - lineStart + 1 };
        levels.push({ array: c === '[', at: c === '[' ? 0 : undefined });
        break;
      case '}':
      case ']':
        levels.pop();
        break;
      case ':':
        if (top && !top.array && lastString) top.at = memberName(text, ...lastString);
        break;
      case ',':
        if (top) top.at = top.array ? Number(top.at) + 1 : undefined;
        break;
    }
  }
  return undefined;
}

/** Replaces the app's JSON parser (inherited by every scope that keeps it) with the limited one. */
export function useLimitedJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: JSON_BODY_LIMITS.bytes },
    (request, raw, done) => {
      const body = String(raw);
      // ARM's actions take optional bodies, and clients send the JSON media type with none
      // (@azure/arm-resources' providers.register): an empty POST body is no body.
      if (body === '' && request.method === 'POST') return done(null, undefined);
      const deep = nestingProblem(body, JSON_BODY_LIMITS.depth);
      if (deep !== undefined) {
        const where = `Path '${deep.path}', line ${deep.line}, position ${deep.position}.`;
        done(
          new BodyRefused(
            `The reader's MaxDepth of ${JSON_BODY_LIMITS.depth} has been exceeded. ${where} Kiln reads JSON nested at most ${JSON_BODY_LIMITS.depth} levels deep.`,
          ),
          undefined,
        );
        return;
      }
      // Json.NET, ARM's reader, also takes unquoted member names and comments, which clients rely on.
      parse(request, body, (error, parsed) => {
        if (!error) return done(null, parsed);
        const relaxed = relaxedToStrictJson(body);
        if (relaxed === body) return done(error, undefined);
        parse(request, relaxed, (again, value) => (again ? done(error, undefined) : done(null, value)));
      });
    },
  );
}

/** The size refusal's words, for the error handlers that see Fastify's FST_ERR_CTP_BODY_TOO_LARGE. */
export const bodyTooLargeMessage = (limit: number) =>
  `The request content is larger than the limit of ${limit} bytes (${limit / (1024 * 1024) >= 1 ? `${limit / (1024 * 1024)} MiB` : `${limit / 1024} KiB`}) Kiln reads.`;
