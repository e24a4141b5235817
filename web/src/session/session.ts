/**
 * Sign-in with a service principal (appId and secret), as `az login --service-principal` does: the
 * portal asks Kiln's token endpoint for an ARM token, and a storage token (https://storage.azure.com)
 * for the blob data plane (downloads signed with a user delegation key), and keeps only the tokens,
 * in sessionStorage (gone with the tab; the secret is never stored). When a token expires, or the API
 * answers 401, the session ends and the user is sent back to sign-in with the reason.
 */
export interface Session {
  accessToken: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  appId: string;
  tenant: string;
  /** The storage token, or why the principal got none (undefined in a session kept from before it was asked for). */
  storage?: IssuedToken | { refused: string };
}

export interface IssuedToken {
  accessToken: string;
  expiresAt: number;
}

const KEY = 'kiln.session';
const SCOPE = 'https://management.azure.com/.default';
const STORAGE_SCOPE = 'https://storage.azure.com/.default';

export function storedSession(): Session | undefined {
  const text = sessionStorage.getItem(KEY);
  if (!text) return undefined;
  const session = JSON.parse(text) as Session;
  return session.expiresAt > Date.now() ? session : undefined;
}

export async function signIn(appId: string, secret: string, tenant: string): Promise<Session> {
  const token = (scope: string) => requestToken(appId, secret, tenant, scope);
  const [arm, storage] = await Promise.all([
    token(SCOPE),
    token(STORAGE_SCOPE).catch((error: Error) => ({ refused: error.message })),
  ]);
  const session: Session = {
    accessToken: arm.accessToken,
    // The session ends with the first of its tokens.
    expiresAt: 'refused' in storage ? arm.expiresAt : Math.min(arm.expiresAt, storage.expiresAt),
    appId,
    tenant: tenant || 'organizations',
    storage,
  };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

async function requestToken(appId: string, secret: string, tenant: string, scope: string): Promise<IssuedToken> {
  const response = await fetch(`/${encodeURIComponent(tenant || 'organizations')}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: appId,
      client_secret: secret,
      scope,
    }).toString(),
  });
  const body = (await response.json().catch(() => ({}))) as {
    access_token?: string;
    expires_in?: number;
    error?: string;
    error_description?: string;
  };
  if (!response.ok || !body.access_token) {
    // Azure AD's descriptions end with trace lines after the first: the first says what is wrong.
    throw new Error(
      body.error_description?.split(/\r?\n/)[0] ?? `Sign-in failed: the server answered ${response.status}.`,
    );
  }
  return { accessToken: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 3600) * 1000 };
}

export function forgetSession(): void {
  sessionStorage.removeItem(KEY);
}
