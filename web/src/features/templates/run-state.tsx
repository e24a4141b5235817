import type { ReactNode } from 'react';
import type { LastRunStatus } from './model.ts';

/** A run's state with its sub-state while it goes (`Running · Customizing`), coloured by how it ended. */
export function RunState(props: { status?: Pick<LastRunStatus, 'runState' | 'runSubState'> }): ReactNode {
  const { status } = props;
  if (!status) return <span className="template-muted">Never run</span>;
  const going = status.runState === 'Running' || status.runState === 'Canceling';
  return (
    <span className={`status-${status.runState.toLowerCase()}`}>
      {status.runState}
      {going && status.runSubState ? ` · ${status.runSubState}` : ''}
    </span>
  );
}
