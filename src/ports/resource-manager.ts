/**
 * Kiln's own ARM API, called by Kiln's own work on behalf of a principal: how a deployment creates,
 * reads and deletes the resources of its template. A request passes every check a client's request
 * passes (authentication as that principal, RBAC, linked access, api-version, validation) and lands
 * in the same domain operation, as Azure Resource Manager calls its resource providers. Long-running
 * answers come back as they are (201/202 with `Azure-AsyncOperation` or `Location`): the caller polls.
 */
export interface ArmCall {
  /** The application (client) id of the principal the request acts as. */
  appId: string;
  method: 'GET' | 'PUT' | 'PATCH' | 'DELETE' | 'POST';
  /** Path and query, `api-version` included: `/subscriptions/.../disks/d?api-version=2025-01-02`. */
  path: string;
  body?: unknown;
}

export interface ArmAnswer {
  status: number;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  /** The parsed JSON body, or undefined when there is none. */
  body: unknown;
}

export interface ResourceManager {
  send(call: ArmCall): Promise<ArmAnswer>;
}
