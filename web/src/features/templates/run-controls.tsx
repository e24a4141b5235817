/**
 * Run and Cancel. Each starts its work and returns at once (the page follows the run by polling), and
 * each is disabled, saying why, when the template's state or the principal's role does not allow it.
 */
import { useState, type ReactNode } from 'react';
import { usePermissions } from '../../hooks/use-permissions.ts';
import { useSession } from '../../session/session-context.tsx';
import { Spinner } from '../../ui/spinner.tsx';
import { useToast } from '../../ui/toasts.tsx';
import { API_VERSION, isRunning, TEMPLATE_TYPE, type ImageTemplate } from './model.ts';

export function RunControls(props: { template: ImageTemplate; onStarted(): void }): ReactNode {
  const { client } = useSession();
  const toast = useToast();
  const can = usePermissions(props.template.id);
  const [busy, setBusy] = useState<'run' | 'cancel'>();
  const { properties } = props.template;
  const running = isRunning(properties.lastRunStatus);
  const post = (action: 'run' | 'cancel', done: string) => async () => {
    setBusy(action);
    try {
      // Accepted (202) is all the button waits for: the run takes minutes, and the page shows it as it goes.
      await client.send('POST', `${props.template.id}/${action}`, API_VERSION);
      toast.success(done);
      props.onStarted();
    } catch (failure) {
      toast.error(failure);
    } finally {
      setBusy(undefined);
    }
  };
  const runWhyNot = !can(`${TEMPLATE_TYPE}/run/action`)
    ? 'Your role does not allow running this template.'
    : running
      ? 'A run is under way.'
      : properties.provisioningState === 'Failed'
        ? 'The template failed validation: fix it and create it again.'
        : undefined;
  const cancelWhyNot = !can(`${TEMPLATE_TYPE}/cancel/action`)
    ? 'Your role does not allow canceling runs of this template.'
    : properties.lastRunStatus?.runState !== 'Running'
      ? 'There is no run to cancel.'
      : undefined;
  return (
    <div className="actions template-run-controls">
      <button
        type="button"
        disabled={runWhyNot !== undefined || busy !== undefined}
        title={runWhyNot}
        onClick={post('run', `Run of ${props.template.name} started`)}
      >
        {busy === 'run' ? <Spinner label="Starting…" /> : 'Run'}
      </button>
      <button
        type="button"
        className="secondary"
        disabled={cancelWhyNot !== undefined || busy !== undefined}
        title={cancelWhyNot}
        onClick={post('cancel', `Cancel of ${props.template.name} requested`)}
      >
        {busy === 'cancel' ? <Spinner label="Canceling…" /> : 'Cancel run'}
      </button>
      {runWhyNot && <span className="template-muted">{runWhyNot}</span>}
    </div>
  );
}
