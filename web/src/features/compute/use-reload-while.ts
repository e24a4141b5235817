import { useEffect } from 'react';

const POLL_MS = 2000;

/**
 * Reloads a resource page's data every few seconds while `active` (the resource is still being made
 * or changed), so its state moves on screen without the user reloading; stops once it is not.
 */
export function useReloadWhile(active: boolean, reload: () => void, data: unknown): void {
  useEffect(() => {
    if (!active) return;
    const timer = setTimeout(reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [active, reload, data]);
}
