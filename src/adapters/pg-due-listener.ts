/**
 * Hears, across processes, that a batch on a PostgreSQL store put a record that is due now: batches
 * `NOTIFY` the channel in their transaction (delivered only if they commit), and one connection per
 * store handle `LISTEN`s. Notifications are hints, never the only way work is found: claimers still
 * poll. While the listening connection is down, notifications are lost, so after each (re)connect
 * the watchers are told once to look.
 */
import { EventEmitter } from 'node:events';
import pg from 'pg';

/** One channel for every schema; the payload names the schema, so stores in other schemas ignore it. */
export const DUE_CHANNEL = 'kiln_due';
const RECONNECT_MS = 1000;

export interface DueListener {
  watch(listener: () => void): () => void;
  close(): Promise<void>;
}

export function pgDueListener(url: string, schemaName: string): DueListener {
  const watchers = new EventEmitter();
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const tell = () => watchers.emit('due');
  function reconnectLater(from: pg.Client) {
    if (client !== from || closed) return;
    client = undefined;
    from.end().catch(() => {});
    retry = setTimeout(connect, RECONNECT_MS);
    retry.unref();
  }
  function connect() {
    retry = undefined;
    const next = new pg.Client({ connectionString: url });
    client = next;
    next.on('notification', (message) => {
      if (message.payload === schemaName) tell();
    });
    next.on('error', () => reconnectLater(next));
    next.on('end', () => reconnectLater(next));
    next
      .connect()
      .then(() => next.query(`LISTEN ${DUE_CHANNEL}`))
      .then(() => {
        // The connection must not keep a process alive that has nothing else to do.
        (next as unknown as { connection?: { stream?: { unref?(): void } } }).connection?.stream?.unref?.();
        tell();
      })
      .catch(() => reconnectLater(next));
  }

  return {
    watch(listener) {
      if (!client && !retry && !closed) connect();
      watchers.on('due', listener);
      return () => watchers.off('due', listener);
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => {});
      client = undefined;
    },
  };
}
