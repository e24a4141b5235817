/** The template's last run as Azure shows it (`lastRunStatus`): state, sub-state, message, start and end. */
import type { ReactNode } from 'react';
import { Spinner } from '../../ui/spinner.tsx';
import { isRunning, type LastRunStatus } from './model.ts';
import { RunState } from './run-state.tsx';
import { duration, When } from './when.tsx';

export function LastRun(props: { status?: LastRunStatus }): ReactNode {
  const { status } = props;
  return (
    <section aria-labelledby="template-last-run-heading">
      <h2 id="template-last-run-heading">Last run</h2>
      {!status ? (
        <p>This template has not run yet.</p>
      ) : (
        <>
          {isRunning(status) && <Spinner label={`${status.runState}: ${status.runSubState ?? 'starting'}…`} />}
          <dl className="template-facts">
            <dt>Run state</dt>
            <dd>
              <RunState status={{ runState: status.runState }} />
            </dd>
            <dt>Sub-state</dt>
            <dd>{status.runSubState ?? '—'}</dd>
            <dt>Started</dt>
            <dd>
              <When time={status.startTime} />
            </dd>
            <dt>Ended</dt>
            <dd>
              <When time={status.endTime} />
            </dd>
            <dt>Duration</dt>
            <dd>{duration(status.startTime, status.endTime) || '—'}</dd>
            <dt>Message</dt>
            <dd className="template-message">{status.message || '—'}</dd>
          </dl>
        </>
      )}
    </section>
  );
}
