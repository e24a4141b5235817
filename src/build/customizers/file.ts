/**
 * The File customizer (one file from `sourceUri` to `destination`), and the download every
 * customizer uses to bring a file into the image: streamed into a temporary name next to its
 * destination, verified, then renamed, so a failed or mismatching download leaves nothing behind.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import { downloadPolicy } from '../download-policy.ts';
import { policyFetch } from '../policy-fetch.ts';
import type { ResourceLimits } from '../limits/resource-limits.ts';
import { imagePath, type RootFsState } from '../sandbox.ts';
import type { BuildStep, StepContext } from '../step-runner.ts';

/**
 * The subset of `fetch` downloads use, so Kiln can serve its own blob URLs or add an identity's
 * token without customizers knowing.
 */
export type FetchLike = (url: string, init: { signal: AbortSignal; headers?: Record<string, string> }) => Promise<Response>;

export interface CustomizerDeps {
  /** How downloads are made; by default over the network under the default download policy (public addresses only). */
  fetch?: FetchLike;
  /** Whether scripts reach the network; off by default (see sandbox.ts for what sharing means). */
  network?: boolean;
  /** What each script may use; the defaults of resource-limits.ts when left out. */
  limits?: ResourceLimits;
}

export interface FileCustomizer {
  type: 'File';
  name: string;
  sourceUri: string;
  destination: string;
  sha256Checksum?: string;
}

export function fileStep(spec: FileCustomizer, deps: CustomizerDeps = {}): BuildStep<RootFsState> {
  const label = `File customizer '${spec.name}'`;
  // Checked before the build starts: a bad destination should not cost a download and a boot.
  const destination = posix.normalize(spec.destination);
  if (!destination.startsWith('/tmp/') || destination === '/tmp/') {
    throw new Error(`${label}: destination '${spec.destination}' is not allowed. On Linux the File customizer can only write under /tmp ` +
      '(Azure Image Builder rule); upload to /tmp and move the file with a Shell customizer.');
  }
  return {
    name: spec.name,
    run: ({ rootfs }, ctx) => downloadIntoImage(label, spec.sourceUri, rootfs, destination, ctx, { sha256: spec.sha256Checksum, fetch: deps.fetch }),
  };
}

/** Downloads `source` (http or https) to `destination` inside the image, logging URL (query redacted), size and sha256. */
export async function downloadIntoImage(
  label: string,
  source: string,
  rootfs: string,
  destination: string,
  ctx: StepContext,
  options: { sha256?: string; fetch?: FetchLike },
): Promise<void> {
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    // Not echoed: an unparsable URL may still carry a secret.
    throw new Error(`${label}: the source is not a valid URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`${label}: only http and https URLs can be downloaded, not ${url.protocol}.`);
  ctx.log.redact(secretsOf(url));
  const shown = withoutQuery(url);

  ctx.log.line(`${label}: downloading ${shown} to ${destination}`);
  const failed = (why: string, cause?: unknown) => new Error(`${label}: downloading ${shown} failed: ${why}`.trimEnd(), { cause });
  let response: Response;
  try {
    response = await (options.fetch ?? defaultFetch)(url.href, { signal: ctx.signal });
  } catch (error) {
    throw failed(error instanceof Error ? error.message : String(error), error);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw failed(`HTTP ${response.status} ${response.statusText}`);
  }

  const directory = await imagePath(rootfs, posix.dirname(destination), { followLast: true });
  await mkdir(directory, { recursive: true });
  const temporary = join(directory, `.kiln-download-${randomUUID()}`);
  try {
    const hash = createHash('sha256');
    let bytes = 0;
    // 'wx' creates a new file and never follows a link planted under the temporary name.
    const file = await open(temporary, 'wx', 0o644);
    try {
      for await (const chunk of response.body ?? []) {
        hash.update(chunk);
        bytes += chunk.byteLength;
        await file.write(chunk);
      }
    } catch (error) {
      throw failed(`after ${bytes} bytes: ${error instanceof Error ? error.message : String(error)}`, error);
    } finally {
      await file.close();
    }
    const sha256 = hash.digest('hex');
    ctx.log.line(`${label}: downloaded ${bytes} bytes from ${shown}, sha256 ${sha256}`);
    if (options.sha256 !== undefined && options.sha256.toLowerCase() !== sha256) {
      throw new Error(`${label}: sha256 of ${shown} is ${sha256}, but sha256Checksum is ${options.sha256}.`);
    }
    // rename replaces whatever is at the destination (even a link) instead of writing through it.
    await rename(temporary, join(directory, basename(destination)));
  } finally {
    await rm(temporary, { force: true });
  }
}

const defaultFetch = policyFetch(downloadPolicy());

/** Printable URL: the query (SAS signatures, tokens) becomes `***`; user info and fragment are left out. */
function withoutQuery(url: URL): string {
  return `${url.origin}${url.pathname}${url.search === '' ? '' : '?***'}`;
}

/**
 * What must never reach the log: the whole query and any password, and each long parameter value, raw and decoded
 * (a script may print either). Short values (`sp=r`, `sr=b`) would blank out ordinary words.
 */
function secretsOf(url: URL): string[] {
  const query = url.search.slice(1);
  const values = query.split('&').map((pair) => pair.slice(pair.indexOf('=') + 1)).filter((value) => value.length >= 16);
  return [query, url.password, ...values, ...values.map((value) => safeDecode(value))];
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}
