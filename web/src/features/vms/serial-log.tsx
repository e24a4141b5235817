/**
 * A VM's serial console, read as Azure's boot diagnostics hand it out: `retrieveBootDiagnosticsData`
 * answers a short-lived read SAS URL of the console as it is at that call (Kiln copies the host's
 * capped file into a blob), which the page then downloads from its own origin. While the VM runs or
 * a job moves it (a boot's lines show as it boots) it is read again every few seconds, and once more
 * whenever its state settles, for the last lines. The view stays at the bottom unless the user
 * scrolled up to read.
 */
import { useEffect, useLayoutEffect, useRef, type ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import type { ArmClient } from '../../arm/client.ts';
import { ArmRequestError, errorOf } from '../../arm/errors.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { useSession } from '../../session/session-context.tsx';
import { Loading } from '../../ui/loading.tsx';

const POLL_MS = 3000;
/** The lines shown: a guest may print megabytes. */
const MAX_LINES = 1000;
/** How close to the bottom (px) counts as reading the newest lines. */
const BOTTOM_SLACK = 24;

interface SerialText {
  lines: string[];
  /** Why there is nothing to show (not booted yet, boot diagnostics off). */
  note?: string;
}

/** The console now. */
async function readSerialLog(client: ArmClient, id: string): Promise<SerialText> {
  try {
    const response = await client.send(
      'POST',
      `${id}/retrieveBootDiagnosticsData?sasUriExpirationTimeInMinutes=5`,
      API_VERSIONS.virtualMachines,
    );
    const { serialConsoleLogBlobUri } = (await response.json()) as { serialConsoleLogBlobUri: string };
    // The SAS URL names the server's public origin: the page reads it from its own (the CSP allows no other).
    const url = new URL(serialConsoleLogBlobUri, location.origin);
    const blob = await fetch(url.pathname + url.search);
    if (!blob.ok) throw await errorOf(blob);
    return { lines: (await blob.text()).split('\n').filter((line, i, all) => line || i < all.length - 1) };
  } catch (error) {
    // 404: the VM has not booted yet; 409: boot diagnostics are off. Both say so in ARM's words.
    if (error instanceof ArmRequestError && (error.status === 404 || error.status === 409))
      return { lines: [], note: error.message };
    throw error;
  }
}

export function SerialLog(props: {
  id: string;
  /** No job is moving the VM. */
  settled: boolean;
  running: boolean;
}): ReactNode {
  const { client } = useSession();
  const { id, settled, running } = props;
  const log = useLoad(() => readSerialLog(client, id), [client, id], {
    pollMs: () => (running || !settled ? POLL_MS : undefined),
  });
  const { reload } = log;
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else reload();
  }, [settled, running, reload]);

  const view = useRef<HTMLPreElement>(null);
  const stick = useRef(true);
  const count = log.data?.lines.length ?? 0;
  useLayoutEffect(() => {
    if (stick.current && view.current) view.current.scrollTop = view.current.scrollHeight;
  }, [count]);
  const onScroll = () => {
    const pre = view.current;
    if (pre) stick.current = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - BOTTOM_SLACK;
  };

  return (
    <section aria-labelledby="serial-log-heading" className="vm-serial">
      <div className="vm-serial-head">
        <h2 id="serial-log-heading">Serial log</h2>
        <button type="button" className="secondary" onClick={reload}>
          Refresh
        </button>
      </div>
      <p className="field-hint">
        The VM's serial console (boot diagnostics)
        {running || !settled ? `, read every ${POLL_MS / 1000} s while the VM runs` : ''}.
      </p>
      <Loading loaded={log} label="Reading the serial console…">
        {({ lines, note }) => (
          <>
            {note && <p className="notice">{note}</p>}
            {lines.length > MAX_LINES && (
              <p className="field-hint">
                The last {MAX_LINES} of {lines.length} lines.
              </p>
            )}
            {lines.length > 0 ? (
              <pre ref={view} className="log-view" role="log" aria-label="Serial log" tabIndex={0} onScroll={onScroll}>
                {lines.slice(-MAX_LINES).join('\n')}
              </pre>
            ) : (
              !note && <p>The serial console has printed nothing yet.</p>
            )}
          </>
        )}
      </Loading>
    </section>
  );
}
