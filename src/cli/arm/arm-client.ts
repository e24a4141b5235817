/**
 * ARM calls with a bearer token: failures become ArmError (code, message, details) from the
 * CloudError envelope; lists follow nextLink; long-running operations are followed through
 * `Azure-AsyncOperation` (or `Location` alone, as a resource group delete answers) until they end.
 */
import { ArmError, type ArmErrorDetail } from '../../core/arm-error.ts';
import { statusText, type HttpClient, type HttpResponse } from './http.ts';

export interface ArmResponse {
  status: number;
  headers: HttpResponse['headers'];
  body: unknown;
  text: string;
}

/** Called between polls of a long-running operation (`done` once it has ended), to show progress. */
export type Watch = (done: boolean) => Promise<void>;

export interface LongRunningOptions {
  body?: unknown;
  noWait?: boolean;
  watch?: Watch;
  /** Sees the first answer (its headers, e.g. warnings) before any polling. */
  onResponse?: (response: ArmResponse) => void;
}

const MIN_POLL_MS = 200;
const MAX_POLL_MS = 10_000;

export class ArmClient {
  constructor(
    private readonly http: HttpClient,
    private readonly server: string,
    /** A bearer token; `renew` asks for a new one (after a 401: expired early, or the server's key changed). */
    private readonly token: (renew: boolean) => Promise<string>,
  ) {}

  /** `path` is a path below the server (query allowed) or an absolute URL the server handed out. */
  async send(
    method: string,
    path: string,
    options: { apiVersion?: string; body?: unknown; query?: Record<string, string | undefined> } = {},
  ): Promise<ArmResponse> {
    const url = new URL(path, this.server);
    if (options.apiVersion) url.searchParams.set('api-version', options.apiVersion);
    for (const [name, value] of Object.entries(options.query ?? {}))
      if (value !== undefined) url.searchParams.set(name, value);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const attempt = async (renew: boolean) => {
      const headers: Record<string, string> = {
        authorization: `Bearer ${await this.token(renew)}`,
        accept: 'application/json',
      };
      if (body !== undefined) headers['content-type'] = 'application/json';
      return this.http.send(url.toString(), { method, headers, body });
    };
    let response = await attempt(false);
    if (response.status === 401) response = await attempt(true);
    if (response.status >= 400) throw toArmError(response);
    return { ...response, body: parse(response) };
  }

  async get(path: string, apiVersion: string, query?: Record<string, string | undefined>): Promise<unknown> {
    return (await this.send('GET', path, { apiVersion, query })).body;
  }

  /** Every page of a collection. */
  async list(path: string, apiVersion: string): Promise<unknown[]> {
    const items: unknown[] = [];
    let page = (await this.send('GET', path, { apiVersion })).body as { value?: unknown[]; nextLink?: string };
    items.push(...(page.value ?? []));
    while (page.nextLink) {
      page = (await this.send('GET', page.nextLink)).body as { value?: unknown[]; nextLink?: string };
      items.push(...(page.value ?? []));
    }
    return items;
  }

  /** HEAD: true when the resource answers 2xx, false on 404. */
  async exists(path: string, apiVersion: string): Promise<boolean> {
    try {
      await this.send('HEAD', path, { apiVersion });
      return true;
    } catch (error) {
      if (error instanceof ArmError && error.status === 404) return false;
      throw error;
    }
  }

  /**
   * A PUT, PATCH, POST or DELETE that may go on after its answer. Returns the final resource (PUT,
   * PATCH), the operation's result (POST), or nothing (DELETE, and with `noWait`).
   */
  async longRunning(
    method: 'PUT' | 'PATCH' | 'POST' | 'DELETE',
    path: string,
    apiVersion: string,
    options: LongRunningOptions = {},
  ): Promise<unknown> {
    const first = await this.send(method, path, { apiVersion, body: options.body });
    options.onResponse?.(first);
    if (options.noWait) return undefined;
    const status = header(first, 'azure-asyncoperation');
    const location = header(first, 'location');
    if (status)
      await this.pollStatus(status, first, options.watch).catch(async (error) => {
        // A failed operation still gets its last progress shown (e.g. a build's failing step).
        await options.watch?.(true);
        throw error;
      });
    else if (first.status === 202 && location) return this.pollLocation(location, first, options.watch);
    else {
      await options.watch?.(true);
      return method === 'DELETE' ? undefined : first.body;
    }
    await options.watch?.(true);
    if (method === 'PUT' || method === 'PATCH') return this.get(path, apiVersion);
    if (method === 'POST' && location) return (await this.send('GET', location)).body;
    return undefined;
  }

  private async pollStatus(url: string, previous: ArmResponse, watch?: Watch): Promise<void> {
    for (;;) {
      await watch?.(false);
      await sleep(retryAfterMs(previous));
      previous = await this.send('GET', url);
      const operation = previous.body as { status?: string; error?: ErrorBody } | undefined;
      if (operation?.status === 'Succeeded') return;
      if (operation?.status === 'Failed' || operation?.status === 'Canceled') {
        throw errorOf(
          200,
          operation.error ?? {
            code: `Operation${operation.status}`,
            message: `The operation ended ${operation.status}.`,
          },
        );
      }
    }
  }

  private async pollLocation(url: string, previous: ArmResponse, watch?: Watch): Promise<unknown> {
    for (;;) {
      await watch?.(false);
      await sleep(retryAfterMs(previous));
      previous = await this.send('GET', url);
      if (previous.status !== 202) {
        await watch?.(true);
        return previous.body;
      }
    }
  }
}

interface ErrorBody {
  code?: string;
  message?: string;
  target?: string;
  details?: ArmErrorDetail[];
}

export const header = (response: ArmResponse, name: string) => {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

function retryAfterMs(response: ArmResponse): number {
  const seconds = Number(header(response, 'retry-after'));
  return Number.isFinite(seconds) ? Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, seconds * 1000)) : 1000;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function parse(response: HttpResponse): unknown {
  if (response.text === '') return undefined;
  if (!/json/i.test(String(response.headers['content-type'] ?? ''))) return response.text;
  try {
    return JSON.parse(response.text);
  } catch {
    return response.text;
  }
}

function toArmError(response: HttpResponse): ArmError {
  let body: { error?: ErrorBody } | ErrorBody | undefined;
  try {
    body = JSON.parse(response.text);
  } catch {
    body = undefined;
  }
  const error =
    body && 'error' in body && typeof body.error === 'object' ? body.error : (body as ErrorBody | undefined);
  if (error && typeof error.code === 'string') return errorOf(response.status, error);
  return new ArmError(
    response.status,
    statusText(response.status).replace(/\s+/g, ''),
    `Operation returned an invalid status '${statusText(response.status)}'${response.text ? `: ${response.text.slice(0, 500)}` : ''}`,
  );
}

const errorOf = (status: number, error: ErrorBody) =>
  new ArmError(status, error.code ?? 'Unknown', error.message ?? '', error.target, error.details ?? []);
