import type { PipelinePolicy } from '@azure/core-rest-pipeline';
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

/**
 * A pipeline policy keeping the ARM error of the last refused call, and an `assert.rejects` check
 * that reads it: a `status` (400 unless told) of `code` whose error names `target` as the field at
 * fault (the SDK's error keeps its code and message, not its target).
 */
export function fieldRefusals() {
  let lastError: { code?: string; target?: string } | undefined;
  const policy: PipelinePolicy = {
    name: 'recordErrors',
    async sendRequest(request, next) {
      const response = await next(request);
      if (response.status >= 400 && response.bodyAsText) lastError = JSON.parse(response.bodyAsText).error;
      return response;
    },
  };
  const refusedAt =
    (target: string, code = 'InvalidParameter', status = 400) =>
    (error: ArmFailure) => {
      assert.equal(error.statusCode, status, error.message);
      assert.equal(error.code, code, error.message);
      assert.equal(lastError?.target, target, error.message);
      return true;
    };
  return { policy, refusedAt };
}
