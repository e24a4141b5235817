/**
 * URIs as the string functions handle them: `uri()` resolves a relative reference against an absolute
 * base (RFC 3986 §5, as .NET's Uri(base, relative) does); `uriComponent()` escapes everything but RFC
 * 3986's unreserved characters (.NET's Uri.EscapeDataString, so ! ' ( ) * are escaped too, unlike
 * encodeURIComponent); `uriComponentToString()` unescapes, leaving malformed escapes as written.
 */

/** The absolute URI of `relative` against `base`; undefined when `base` is not an absolute URI. */
export function combineUri(base: string, relative: string): string | undefined {
  if (!URL.canParse(base)) return undefined;
  return new URL(relative, base).href;
}

export const escapeDataString = (text: string): string =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export const unescapeDataString = (text: string): string =>
  text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
