import { ArmError } from '../../core/arm-error.ts';

/** `If-Match` / `If-None-Match` as sent by the client (quoted etags or `*`). */
export interface Conditions {
  ifMatch?: string;
  ifNoneMatch?: string;
}

const unquote = (etag: string) => etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '');

/** Throws 412 when the conditions do not hold for the current etag (undefined: no resource). */
export function checkConditions(conditions: Conditions | undefined, currentEtag: string | undefined): void {
  if (!conditions) return;
  const { ifMatch, ifNoneMatch } = conditions;
  if (ifMatch !== undefined) {
    const accepted = ifMatch.split(',').map(unquote);
    const holds = currentEtag !== undefined && (accepted.includes('*') || accepted.includes(currentEtag));
    if (!holds)
      throw new ArmError(
        412,
        'PreconditionFailed',
        `The condition specified using HTTP conditional header(s) is not met: If-Match '${ifMatch}'.`,
      );
  }
  if (ifNoneMatch !== undefined && currentEtag !== undefined) {
    const refused = ifNoneMatch.split(',').map(unquote);
    if (refused.includes('*') || refused.includes(currentEtag)) {
      throw new ArmError(
        412,
        'PreconditionFailed',
        `The condition specified using HTTP conditional header(s) is not met: If-None-Match '${ifNoneMatch}'.`,
      );
    }
  }
}
