/**
 * A fixture made at most once per test process: every caller shares the one promise, and a failed
 * making is forgotten, so the next caller tries again rather than inheriting the failure.
 */
export function onceUnlessFailed<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make().catch((error: unknown) => {
      made = undefined;
      throw error;
    });
    return made;
  };
}
