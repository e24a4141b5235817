/**
 * A restart step's `restartTimeout`: how long the guest has to go down, boot again and pass the
 * check command (five minutes when left out, as in Azure). The field keeps the template's own spelling.
 */
import type { Problems } from '../../core/arm-error.ts';
import { parseDuration } from '../../core/duration.ts';

export function checkRestartTimeout(value: unknown, at: string, problems: Problems): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined || ms <= 0)
    problems.add(
      at,
      `'${at}' must be a duration such as '5m', '2h' or '1h30m' (whole hours, minutes and seconds), not '${String(value)}'.`,
    );
  return typeof value === 'string' ? value : undefined;
}
