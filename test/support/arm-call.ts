/**
 * Plain ARM calls against a test server with a bearer token (or none), for the APIs Kiln has no
 * installed SDK for (Microsoft.Authorization) and for forcing a call the portal hides: the status and
 * the parsed body, whatever the status.
 */
import { ClientSecretCredential } from '@azure/identity';
import type { TestServer } from './test-server.ts';

export interface ArmAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever ARM answered
  body: any;
}

export type ArmCall = (token: string | undefined, method: string, path: string, body?: unknown) => Promise<ArmAnswer>;

/** Calls on `kiln`, adding `apiVersion` to a path that names none. */
export function armCaller(kiln: TestServer, apiVersion: string): ArmCall {
  return async (token, method, path, body) => {
    const url = path.includes('api-version=')
      ? path
      : `${path}${path.includes('?') ? '&' : '?'}api-version=${apiVersion}`;
    const response = await fetch(`${kiln.url}${url}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
}

/** A new service principal with no role, its object id, app id, secret and an ARM token. */
export async function newPrincipal(kiln: TestServer, displayName: string) {
  const made = await kiln.server.kiln.createServicePrincipal(displayName);
  const credential = new ClientSecretCredential(made.tenant, made.appId, made.password, {
    authorityHost: kiln.url,
    disableInstanceDiscovery: true,
  });
  const token = (await credential.getToken('https://management.azure.com/.default'))!.token;
  return { ...made, token };
}
