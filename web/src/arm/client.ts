/**
 * The portal's only way to the server: ARM calls with the signed-in principal's bearer token.
 * A 401 means the session has ended (expired or its key rotated): the client tells the session,
 * which returns the user to sign-in. Long-running operations are polled as ARM clients poll them
 * (Azure-AsyncOperation, else Location), so a page can await a create that takes minutes.
 */
import { ArmRequestError, errorOf, type ArmErrorBody } from './errors.ts';

export interface ArmList<T> {
  value: T[];
  nextLink?: string;
}

export interface ArmClientOptions {
  token: () => string;
  onUnauthorized: () => void;
}

const TERMINAL = new Set(['succeeded', 'failed', 'canceled', 'cancelled']);
const POLL_MS = 1000;

export class ArmClient {
  constructor(private readonly options: ArmClientOptions) {}

  /** The raw answer to one call; throws ArmRequestError for any status >= 400. */
  async send(method: string, path: string, apiVersion: string | undefined, body?: unknown): Promise<Response> {
    const url = apiVersion ? withApiVersion(path, apiVersion) : path;
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${this.options.token()}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) this.options.onUnauthorized();
    if (response.status >= 400) throw await errorOf(response);
    return response;
  }

  async get<T>(path: string, apiVersion: string): Promise<T> {
    return (await this.send('GET', path, apiVersion)).json() as Promise<T>;
  }

  /** Every item of a paged list, following nextLink. */
  async list<T>(path: string, apiVersion: string): Promise<T[]> {
    const items: T[] = [];
    let page = await this.get<ArmList<T>>(path, apiVersion);
    items.push(...page.value);
    while (page.nextLink) {
      const next = new URL(page.nextLink, location.origin);
      page = await this.get<ArmList<T>>(next.pathname + next.search, '');
      items.push(...page.value);
    }
    return items;
  }

  /** A PUT, PATCH, POST or DELETE followed to its end: resolves with the resource (or nothing) once done. */
  async change<T = unknown>(method: string, path: string, apiVersion: string, body?: unknown): Promise<T | undefined> {
    const response = await this.send(method, path, apiVersion, body);
    const first = await readJson(response);
    const asyncOperation = response.headers.get('azure-asyncoperation');
    const location = response.headers.get('location');
    if (response.status === 202 || (response.status === 201 && asyncOperation)) {
      if (asyncOperation) await this.waitForOperation(asyncOperation);
      else if (location) return this.followLocation<T>(location);
      if (method === 'DELETE' || method === 'POST') return undefined;
      return this.get<T>(path, apiVersion);
    }
    return first as T | undefined;
  }

  private async waitForOperation(url: string): Promise<void> {
    for (;;) {
      const operation = (await (await this.send('GET', sameOrigin(url), undefined)).json()) as {
        status: string;
        error?: ArmErrorBody;
      };
      const status = operation.status.toLowerCase();
      if (status === 'succeeded') return;
      // A failed operation was answered 200: the error is the operation's, not the call's.
      if (TERMINAL.has(status))
        throw new ArmRequestError(
          200,
          operation.error ?? { code: operation.status, message: `The operation ended ${operation.status}.` },
        );
      await sleep(POLL_MS);
    }
  }

  private async followLocation<T>(url: string): Promise<T | undefined> {
    for (;;) {
      const response = await this.send('GET', sameOrigin(url), undefined);
      if (response.status !== 202) return (await readJson(response)) as T | undefined;
      await sleep(POLL_MS);
    }
  }
}

export function withApiVersion(path: string, apiVersion: string): string {
  if (/[?&]api-version=/.test(path)) return path;
  return `${path}${path.includes('?') ? '&' : '?'}api-version=${encodeURIComponent(apiVersion)}`;
}

/** Operation URLs are absolute, on the server's public URL: the portal calls them on its own origin. */
function sameOrigin(url: string): string {
  const parsed = new URL(url, location.origin);
  return parsed.pathname + parsed.search;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  return text ? JSON.parse(text) : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
