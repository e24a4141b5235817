/**
 * The run's customization log as it grows, from Kiln's own `GET {template}/customizationLog?offset=N`
 * (text/plain; `x-ms-kiln-next-offset` says where the answer ends, `x-ms-kiln-log-complete` that the
 * run ended and nothing more will come). Each poll asks only for what is new and appends it; the poll
 * stops once the log is complete, and starts over from byte 0 when a new run starts (`run` changes).
 */
import { useRef } from 'react';
import { ArmRequestError } from '../../arm/errors.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { useSession } from '../../session/session-context.tsx';
import { API_VERSION, POLL_MS } from './model.ts';

export interface LogSoFar {
  text: string;
  offset: number;
  complete: boolean;
  /** The template has not run: there is no log to read. */
  none: boolean;
}

const EMPTY: LogSoFar = { text: '', offset: 0, complete: false, none: false };

export function useCustomizationLog(templateId: string, run: string | undefined) {
  const { client } = useSession();
  const read = useRef({ key: '', log: EMPTY });
  const key = `${templateId} ${run}`;
  return useLoad(
    async (): Promise<LogSoFar> => {
      if (read.current.key !== key) read.current = { key, log: EMPTY };
      const { log } = read.current;
      try {
        const response = await client.send('GET', `${templateId}/customizationLog?offset=${log.offset}`, API_VERSION);
        const more = await response.text();
        const next: LogSoFar = {
          text: log.text + more,
          offset: Number(response.headers.get('x-ms-kiln-next-offset') ?? log.offset),
          complete: response.headers.get('x-ms-kiln-log-complete') === 'true',
          none: false,
        };
        if (read.current.key === key) read.current.log = next;
        return next;
      } catch (failure) {
        if (failure instanceof ArmRequestError && failure.status === 404)
          return { ...EMPTY, complete: true, none: true };
        throw failure;
      }
    },
    [client, key],
    { pollMs: (log) => (log?.complete ? undefined : POLL_MS) },
  );
}
