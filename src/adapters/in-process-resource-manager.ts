/**
 * The ResourceManager port over the process's own HTTP app, without the network: each call is
 * injected into Fastify with a bearer token minted for its principal, so it is authenticated,
 * authorized and validated exactly as that principal's own request would be. Tokens are minted per
 * call (a deployment may outlive one) and never leave the process.
 */
import type { FastifyInstance } from 'fastify';
import type { ArmAnswer, ArmCall, ResourceManager } from '../ports/resource-manager.ts';

export interface InProcessOptions {
  app: Pick<FastifyInstance, 'inject'>;
  /** An ARM access token for the principal with this application id. */
  token(appId: string): Promise<string>;
}

export function inProcessResourceManager({ app, token }: InProcessOptions): ResourceManager {
  return {
    async send(call: ArmCall): Promise<ArmAnswer> {
      const response = await app.inject({
        method: call.method,
        url: call.path,
        headers: {
          authorization: `Bearer ${await token(call.appId)}`,
          ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(call.body !== undefined ? { payload: JSON.stringify(call.body) } : {}),
      });
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) headers[name.toLowerCase()] = [value].flat().map(String).join(', ');
      }
      return { status: response.statusCode, headers, body: parseBody(response.body) };
    },
  };
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
