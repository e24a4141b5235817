/**
 * An image template's page (above its JSON): what it builds, Run and Cancel, the last run as it
 * goes, its customization log streaming, the outputs of the last finished run and the run history.
 * The template is read again every second while a run goes, and no longer once it ends.
 */
import { useEffect, useRef, type ReactNode } from 'react';
import { resourcePath } from '../../arm/ids.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session/session-context.tsx';
import type { ResourceViewProps } from '../feature.ts';
import { CustomizationLog } from './customization-log.tsx';
import { LastRun } from './last-run.tsx';
import { API_VERSION, isRunning, POLL_MS, sourceSummary, type ImageTemplate } from './model.ts';
import { RunControls } from './run-controls.tsx';
import { RunHistory } from './run-history.tsx';
import { RunOutputs } from './run-outputs.tsx';

export function TemplateView(props: ResourceViewProps): ReactNode {
  const { client } = useSession();
  const live = useLoad(() => client.get<ImageTemplate>(props.id, API_VERSION), [client, props.id], {
    pollMs: (t) => (isRunning(t?.properties.lastRunStatus) ? POLL_MS : undefined),
  });
  const template = live.data ?? (props.resource as unknown as ImageTemplate);
  const status = template.properties.lastRunStatus;
  useReloadWhenRunEnds(isRunning(status), props.reload);
  return (
    <div className="template-view">
      <TemplateSummary template={template} />
      <RunControls template={template} onStarted={live.reload} />
      <LastRun status={status} />
      <CustomizationLog templateId={props.id} run={status?.startTime} onEnded={live.reload} />
      <RunOutputs templateId={props.id} running={isRunning(status)} ended={status?.endTime} />
      <RunHistory
        templateId={props.id}
        version={[status?.runState, status?.runSubState, status?.startTime, status?.endTime].join(' ')}
      />
    </div>
  );
}

/** The page's JSON view shows the template as the run left it: read the page again when a run ends. */
function useReloadWhenRunEnds(running: boolean, reload: () => void) {
  const was = useRef(running);
  useEffect(() => {
    if (was.current && !running) reload();
    was.current = running;
  }, [running, reload]);
}

function TemplateSummary(props: { template: ImageTemplate }): ReactNode {
  const { properties } = props.template;
  return (
    <section aria-labelledby="template-summary-heading">
      <h2 id="template-summary-heading">Template</h2>
      <dl className="template-facts">
        <dt>Source</dt>
        <dd>
          {properties.source.type} <code>{sourceSummary(properties.source)}</code>
        </dd>
        <dt>Customizers</dt>
        <dd>{(properties.customize ?? []).map((c) => `${c.type} ${c.name ?? ''}`.trim()).join(', ') || 'none'}</dd>
        <dt>Distributes to</dt>
        <dd>
          {properties.distribute.map((d, i) => (
            <span key={d.runOutputName}>
              {i > 0 && ', '}
              {d.type} <code>{d.runOutputName}</code>
            </span>
          ))}
        </dd>
        <dt>Provisioning</dt>
        <dd>
          <span className={`status-${properties.provisioningState.toLowerCase()}`}>{properties.provisioningState}</span>
          {properties.provisioningError && (
            <span className="template-message">
              {' '}
              {properties.provisioningError.provisioningErrorCode}: {properties.provisioningError.message}
            </span>
          )}
        </dd>
      </dl>
      <p>
        <Link to="/templates">All image templates</Link> ·{' '}
        <Link to={resourcePath(props.template.id.split('/providers/')[0])}>Its resource group</Link>
      </p>
    </section>
  );
}
