import type { ReactNode } from 'react';

/** A moment of a run as the reader's clock shows it, with the exact instant for machines; a dash when not yet. */
export function When(props: { time?: string }): ReactNode {
  if (!props.time) return '—';
  return <time dateTime={props.time}>{new Date(props.time).toLocaleString()}</time>;
}

/** How long from `start` to `end` (or now), as `1 min 5 s`. */
export function duration(start: string | undefined, end: string | undefined): string {
  if (!start) return '';
  const seconds = Math.max(0, Math.round(((end ? Date.parse(end) : Date.now()) - Date.parse(start)) / 1000));
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
