/**
 * The download every customizer uses to bring a file into the image (File's `sourceUri`, a script's
 * `scriptUri`): streamed into a temporary name next to its destination, verified, then renamed, so
 * a failed or mismatching download leaves nothing behind. The URL's secrets (query, password) are
 * redacted from the log before anything is written to it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import { downloadPolicy } from '../download-policy.ts';
import { policyFetch } from '../policy-fetch.ts';
import { imagePath } from '../sandbox.ts';
import type { StepContext } from '../step-runner.ts';

/**
 * The subset of `fetch` downloads use, so Kiln can serve its own blob URLs or add an identity's
 * token without customizers knowing.
 */
export type FetchLike = (
  url: string,
  init: { signal: AbortSignal; headers?: Record<string, string> },
) => Promise<Response>;

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
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`${label}: only http and https URLs can be downloaded, not ${url.protocol}.`);
  ctx.log.redact(secretsOf(url));
  const shown = withoutQuery(url);

  ctx.log.line(`${label}: downloading ${shown} to ${destination}`);
  const failed = (why: string, cause?: unknown) =>
    new Error(`${label}: downloading ${shown} failed: ${why}`.trimEnd(), { cause });
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
  const values = query
    .split('&')
    .map((pair) => pair.slice(pair.indexOf('=') + 1))
    .filter((value) => value.length >= 16);
  return [query, url.password, ...values, ...values.map((value) => safeDecode(value))];
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}
