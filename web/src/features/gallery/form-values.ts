/** Form values to and from the API's: dates as `<input type="date">` holds them, numbers that may be left empty. */

/** `2030-01-31` from an ISO date-time, for a date input; empty when there is none. */
export const dateInputValue = (iso: string | undefined) => (iso ? iso.slice(0, 10) : '');

/** The day chosen in a date input as an ISO date-time (its midnight UTC), or null (which clears it on a PATCH). */
export const isoDateOrNull = (value: string) => (value ? new Date(`${value}T00:00:00Z`).toISOString() : null);

/** A number field's value as a number, or undefined when empty (left out of the request). */
export const numberOrUndefined = (value: string) => (value.trim() === '' ? undefined : Number(value));

/** A text field's value, or null when empty (which clears the field on a PATCH). */
export const textOrNull = (value: string) => (value.trim() === '' ? null : value);

/** A day for people to read, in their locale; the UTC day, as it was chosen. A dash when there is none. */
export const shownDate = (iso: string | undefined) =>
  iso ? new Date(iso).toLocaleDateString(undefined, { timeZone: 'UTC' }) : '—';

/** A moment for people to read, in their locale and time zone. */
export const shownDateTime = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
