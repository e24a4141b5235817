/**
 * Durations as Azure Image Builder spells them after Packer (Go's `time.ParseDuration` units):
 * a magnitude and a unit, repeated, e.g. `5m`, `2h`, `1h30m`, `90s`. Whole numbers only, so a
 * value reads the same everywhere; undefined for anything else.
 */
const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000 } as const;
const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match || text.trim() === '') return undefined;
  const [, h = '0', m = '0', s = '0'] = match;
  return Number(h) * UNIT_MS.h + Number(m) * UNIT_MS.m + Number(s) * UNIT_MS.s;
}
