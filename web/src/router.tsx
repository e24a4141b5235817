/**
 * The portal's routes are paths under /portal/ (the server answers index.html for each), so a page
 * can be bookmarked, reloaded and opened in a new tab. `navigate` and <Link> change the path with
 * the History API; `usePath` re-renders on every change, back and forward included.
 */
import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from 'react';

export const BASE = '/portal';

const listeners = new Set<() => void>();

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  const url = BASE + path;
  if (options.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  listeners.forEach((listener) => listener());
}

/** The current path below /portal (`/` for the home page) and its query. */
export function usePath(): { path: string; query: URLSearchParams } {
  const read = () => ({
    path: location.pathname.slice(BASE.length) || '/',
    query: new URLSearchParams(location.search),
  });
  const [current, setCurrent] = useState(read);
  useEffect(() => {
    const update = () => setCurrent(read());
    listeners.add(update);
    addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', update);
    };
  }, []);
  return current;
}

export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string; children: ReactNode }): ReactNode {
  const { to, ...rest } = props;
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    // Let the browser open new tabs and windows as the user asked.
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a {...rest} href={BASE + to} onClick={onClick} />;
}

export interface PortalRoute {
  /** A path pattern below /portal with `:name` segments, e.g. `/galleries/:id`. */
  pattern: string;
  render(params: Record<string, string>): ReactNode;
}

/** The first route whose pattern matches `path`, with its parameters decoded. */
export function matchRoute(
  routes: readonly PortalRoute[],
  path: string,
): { route: PortalRoute; params: Record<string, string> } | undefined {
  const segments = path.split('/').filter(Boolean);
  for (const route of routes) {
    const parts = route.pattern.split('/').filter(Boolean);
    const rest = parts.at(-1) === '*';
    if (rest ? segments.length < parts.length - 1 : segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const matched = parts.every((part, i) => {
      if (part === '*') {
        params['*'] = segments.slice(i).map(decodeURIComponent).join('/');
        return true;
      }
      if (part.startsWith(':')) {
        params[part.slice(1)] = decodeURIComponent(segments[i]);
        return true;
      }
      return part.toLowerCase() === segments[i]?.toLowerCase();
    });
    if (matched) return { route, params };
  }
  return undefined;
}
