import assert from 'node:assert/strict';

/** What the Azure SDKs throw for an ARM error response. */
export type ArmFailure = { statusCode?: number; code?: string; message: string };

/** An `assert.rejects` check: the SDK saw this status and ARM error code (and a message matching `pattern`). */
export const armRefusal = (status: number, code: string, pattern?: RegExp) => (error: ArmFailure) => {
  assert.equal(error.statusCode, status, error.message);
  assert.equal(error.code, code, error.message);
  if (pattern) assert.match(error.message, pattern);
  return true;
};
