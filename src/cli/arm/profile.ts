/**
 * The login cache, as az keeps it in ~/.azure: which server, tenant and service principal, the
 * subscriptions seen at login, and (mode 0600, like az's service principal cache) the secret that
 * gets a new token when the cached one expires.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ArmError } from '../../core/arm-error.ts';
import type { HttpClient } from './http.ts';

export interface Subscription {
  id: string;
  name: string;
  state: string;
  tenantId: string;
}

export interface Profile {
  server: string;
  tenant: string;
  appId: string;
  /** PEM of the CA given to `kiln login --ca-cert`. */
  caCert?: string;
  subscriptions: Subscription[];
  defaultSubscription?: string;
}

interface Secrets {
  secret: string;
  accessToken?: string;
  /** Seconds since the epoch. */
  expiresOn?: number;
}

export interface Token {
  accessToken: string;
  expiresOn: number;
}

/** A token this close to its expiry is renewed first, so it cannot lapse during a command. */
const RENEW_MARGIN_SECONDS = 300;
const SCOPE = 'https://management.azure.com/.default';

export const configDir = () => process.env.KILN_CONFIG_DIR ?? join(homedir(), '.kiln-cli');
const profileFile = () => join(configDir(), 'profile.json');
const secretsFile = () => join(configDir(), 'service-principal.json');

export async function loadProfile(): Promise<Profile | undefined> {
  return readJson<Profile>(profileFile());
}

export async function saveProfile(profile: Profile): Promise<void> {
  await writePrivate(profileFile(), profile);
}

export async function saveSecret(secret: string, token: Token): Promise<void> {
  await writePrivate(secretsFile(), { secret, ...token } satisfies Secrets);
}

export async function clearProfile(): Promise<void> {
  await rm(profileFile(), { force: true });
  await rm(secretsFile(), { force: true });
}

/** The cached token, or a new one from the saved secret when it is (nearly) expired or `renew` says so. */
export async function accessToken(http: HttpClient, profile: Profile, renew = false): Promise<Token> {
  const secrets = await readJson<Secrets>(secretsFile());
  if (!secrets) throw new Error("The saved credentials are missing. Please run 'kiln login' to setup account.");
  if (
    !renew &&
    secrets.accessToken &&
    secrets.expiresOn &&
    secrets.expiresOn - RENEW_MARGIN_SECONDS > Date.now() / 1000
  ) {
    return { accessToken: secrets.accessToken, expiresOn: secrets.expiresOn };
  }
  const token = await requestToken(http, profile, secrets.secret);
  await saveSecret(secrets.secret, token);
  return token;
}

/** A token for the server's blob data plane (`https://storage.azure.com`), asked for each time: uploads are rare. */
export async function storageToken(http: HttpClient, profile: Profile): Promise<Token> {
  const secrets = await readJson<Secrets>(secretsFile());
  if (!secrets) throw new Error("The saved credentials are missing. Please run 'kiln login' to setup account.");
  return requestToken(http, profile, secrets.secret, 'https://storage.azure.com/.default');
}

/** client_credentials at the server's Azure AD style endpoint. */
export async function requestToken(
  http: HttpClient,
  profile: Pick<Profile, 'server' | 'tenant' | 'appId'>,
  secret: string,
  scope = SCOPE,
): Promise<Token> {
  const response = await http.send(`${profile.server}/${encodeURIComponent(profile.tenant)}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: profile.appId,
      client_secret: secret,
      scope,
    }).toString(),
  });
  const body = parseJson(response.text) as
    { access_token?: string; expires_in?: number; error?: string; error_description?: string } | undefined;
  if (response.status !== 200 || !body?.access_token) {
    throw new ArmError(
      response.status,
      body?.error ?? `Http${response.status}`,
      body?.error_description ?? `The token endpoint answered ${response.status}: ${response.text.slice(0, 200)}`,
    );
  }
  return { accessToken: body.access_token, expiresOn: Math.floor(Date.now() / 1000) + (body.expires_in ?? 3600) };
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`Could not read ${file}: ${(error as Error).message}`);
  }
}

/** Whole-file replace, readable by the owner only (the folder too). */
async function writePrivate(file: string, value: unknown): Promise<void> {
  await mkdir(configDir(), { recursive: true, mode: 0o700 });
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
}
