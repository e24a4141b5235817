/**
 * What the last finished run made (`GET {template}/runOutputs`): a managed image or gallery image
 * version links to its page in the portal; a VHD is downloaded through a link signed for the
 * signed-in principal (vhd-download.tsx), and its artifactUri offered for the CLI, which reads it with
 * a Storage Blob Data role (as Azure's staging account is read).
 */
import type { ReactNode } from 'react';
import { resourcePath } from '../../arm/ids.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session/session-context.tsx';
import { CopyButton } from '../../ui/copy-button.tsx';
import { DataTable } from '../../ui/data-table.tsx';
import { Loading } from '../../ui/loading.tsx';
import { API_VERSION, type RunOutput } from './model.ts';
import { VhdDownload } from './vhd-download.tsx';

/** `ended` is the last run's end time, undefined while a run goes: the outputs are read again when it changes. */
export function RunOutputs(props: { templateId: string; ended: string | undefined; running: boolean }): ReactNode {
  const { client } = useSession();
  const outputs = useLoad(
    () => client.list<RunOutput>(`${props.templateId}/runOutputs`, API_VERSION),
    [client, props.templateId, props.running, props.ended],
  );
  return (
    <section aria-labelledby="template-outputs-heading">
      <h2 id="template-outputs-heading">Run outputs</h2>
      <Loading loaded={outputs}>
        {(rows) =>
          rows.length === 0 ? (
            <p>No outputs yet: each distribute target of a finished run shows here with what it made.</p>
          ) : (
            <>
              {props.running && (
                <p className="template-muted">Until this run ends, these are the previous run&apos;s.</p>
              )}
              <DataTable
                label="Run outputs"
                rows={rows}
                rowKey={(o) => o.id}
                columns={[
                  { header: 'Run output', cell: (o) => o.name },
                  {
                    header: 'State',
                    cell: (o) => (
                      <span className={`status-${o.properties.provisioningState.toLowerCase()}`}>
                        {o.properties.provisioningState}
                      </span>
                    ),
                  },
                  { header: 'Artifact', cell: (o) => <Artifact output={o} /> },
                ]}
              />
            </>
          )
        }
      </Loading>
    </section>
  );
}

function Artifact(props: { output: RunOutput }): ReactNode {
  const { artifactId, artifactUri } = props.output.properties;
  if (artifactId) return <Link to={resourcePath(artifactId)}>{artifactId.split('/').slice(-3).join('/')}</Link>;
  if (!artifactUri) return '—';
  return (
    <div className="template-vhd">
      <VhdDownload artifactUri={artifactUri} outputName={props.output.name} />
      <div className="template-artifact">
        <CopyButton text={artifactUri} label={`Copy the VHD URL of ${props.output.name}`} />
        <span className="field-hint">
          The URL for the CLI, read with a Storage Blob Data Reader role:{' '}
          <code>az storage blob download --auth-mode login --blob-url …</code>
        </span>
      </div>
    </div>
  );
}
