/**
 * The template's runs, the one under way first, each with the sub-states it went through and when
 * each began (Kiln's own `GET {template}/runHistory`; Azure keeps only the last run's status).
 */
import type { ReactNode } from 'react';
import { useLoad } from '../../hooks/use-load.ts';
import { useSession } from '../../session/session-context.tsx';
import { DataTable } from '../../ui/data-table.tsx';
import { Loading } from '../../ui/loading.tsx';
import { API_VERSION, type RunHistoryEntry } from './model.ts';
import { RunState } from './run-state.tsx';
import { duration, When } from './when.tsx';

/** `version` changes whenever the last run's status does, so the history is read again then. */
export function RunHistory(props: { templateId: string; version: string }): ReactNode {
  const { client } = useSession();
  const runs = useLoad(
    async () => (await client.get<{ value: RunHistoryEntry[] }>(`${props.templateId}/runHistory`, API_VERSION)).value,
    [client, props.templateId, props.version],
  );
  return (
    <section aria-labelledby="template-history-heading">
      <h2 id="template-history-heading">Run history</h2>
      <Loading loaded={runs}>
        {(rows) =>
          rows.length === 0 ? (
            <p>No runs yet. Kiln keeps the last 20 runs here; outputs and log are the last run&apos;s only.</p>
          ) : (
            <DataTable
              label="Run history"
              rows={rows}
              rowKey={(r) => r.runId}
              columns={[
                { header: 'Started', cell: (r) => <When time={r.startTime} /> },
                { header: 'Ended', cell: (r) => <When time={r.endTime} /> },
                { header: 'Duration', cell: (r) => duration(r.startTime, r.endTime) },
                { header: 'State', cell: (r) => <RunState status={{ runState: r.runState }} /> },
                { header: 'Sub-states', cell: (r) => <SubStates run={r} /> },
                { header: 'Message', cell: (r) => <span className="template-message">{r.message}</span> },
              ]}
            />
          )
        }
      </Loading>
    </section>
  );
}

function SubStates(props: { run: RunHistoryEntry }): ReactNode {
  const { subStates, endTime } = props.run;
  return (
    <ol className="template-substates" aria-label="Sub-states">
      {subStates.map((step, i) => (
        <li key={step.runSubState + step.startTime}>
          {step.runSubState} <When time={step.startTime} />{' '}
          <span className="template-muted">({duration(step.startTime, subStates[i + 1]?.startTime ?? endTime)})</span>
        </li>
      ))}
    </ol>
  );
}
