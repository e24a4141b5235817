/** Leaves of ARM bodies, for tests that compare answers member by member. */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ARM bodies are free-form
type Json = any;

/** Every leaf of `value` with its path (`a.b[0].c`); an empty object or array is a leaf. */
export function leaves(value: Json, path = ''): Array<[string, Json]> {
  const entries: Array<[string, Json]> = Array.isArray(value)
    ? value.map((item, i) => [`${path}[${i}]`, item])
    : value && typeof value === 'object'
      ? Object.entries(value).map(([key, item]) => [path ? `${path}.${key}` : key, item])
      : [];
  if (entries.length === 0) return [[path, value]];
  return entries.flatMap(([at, item]) => leaves(item, at));
}
