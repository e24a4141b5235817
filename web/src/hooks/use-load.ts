/**
 * Loads data for a page and, when asked, keeps it current by polling (replication progress, a run's
 * state): the poll stops when the page goes away or `pollMs` answers undefined (the work ended).
 * A failed reload keeps the last data and reports the error; data loaded for other `deps` (the
 * page moved to another resource) is never shown for the new ones.
 */
import { useCallback, useEffect, useRef, useState } from 'react';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

interface Result<T> {
  key: string;
  generation: number;
  data?: T;
  error?: unknown;
}

export function useLoad<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
  options: { pollMs?: (data: T | undefined) => number | undefined } = {},
): Loaded<T> {
  const [generation, setGeneration] = useState(0);
  const [result, setResult] = useState<Result<T>>({ key: '', generation: -1 });
  const latest = useRef({ load, pollMs: options.pollMs });
  useEffect(() => {
    latest.current = { load, pollMs: options.pollMs };
  });
  const key = keyOf(deps);

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      let data: T | undefined;
      try {
        data = await latest.current.load();
        if (live) setResult({ key, generation, data });
      } catch (error) {
        if (live) setResult((last) => ({ key, generation, data: last.key === key ? last.data : undefined, error }));
      }
      const wait = latest.current.pollMs?.(data);
      if (wait !== undefined && live) timer = setTimeout(run, wait);
    };
    void run();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const current = result.key === key;
  return {
    data: current ? result.data : undefined,
    error: current ? result.error : undefined,
    loading: !current || result.generation !== generation,
    reload,
  };
}

/** Deps compared by value where they are strings and numbers, by identity otherwise (a client). */
const identities = new WeakMap<object, number>();
let nextIdentity = 1;
function keyOf(deps: readonly unknown[]): string {
  return JSON.stringify(
    deps.map((dep) => {
      if (typeof dep !== 'object' || dep === null) return dep;
      if (!identities.has(dep)) identities.set(dep, nextIdentity++);
      return `#${identities.get(dep)}`;
    }),
  );
}
