/**
 * The run's customization log, streamed: lines appear as the build writes them, and the view follows
 * the end unless the reader has scrolled up to read something (scrolling back down follows again).
 */
import { useEffect, useRef, type ReactNode } from 'react';
import { EmptyState } from '../../ui/empty-state.tsx';
import { Loading } from '../../ui/loading.tsx';
import { Spinner } from '../../ui/spinner.tsx';
import { useCustomizationLog } from './use-customization-log.ts';

export function CustomizationLog(props: {
  templateId: string;
  run: string | undefined;
  /** Called once the log says the run has ended, so the page's last run does not lag behind it. */
  onEnded: () => void;
}): ReactNode {
  const log = useCustomizationLog(props.templateId, props.run);
  const view = useRef<HTMLPreElement>(null);
  const following = useRef(true);
  const text = log.data?.text;
  const ended = log.data?.complete === true && !log.data.none;
  const { onEnded } = props;
  useEffect(() => {
    const pre = view.current;
    if (pre && following.current) pre.scrollTop = pre.scrollHeight;
  }, [text]);
  useEffect(() => {
    if (ended) onEnded();
  }, [ended, onEnded]);
  return (
    <section aria-labelledby="template-log-heading">
      <h2 id="template-log-heading">Customization log</h2>
      <Loading loaded={log} label="Reading the log…">
        {(current) =>
          current.none ? (
            <EmptyState title="No log yet">
              <p>The log of a run shows here as it is written. Run the template to start one.</p>
            </EmptyState>
          ) : (
            <>
              <p className="template-log-state">
                {current.complete ? (
                  'The run has ended: this is the whole log.'
                ) : (
                  <Spinner label="Following the run…" />
                )}
              </p>
              <pre
                ref={view}
                className="log-view"
                role="log"
                aria-label="Customization log"
                tabIndex={0}
                onScroll={(e) => {
                  const pre = e.currentTarget;
                  following.current = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 24;
                }}
              >
                {current.text || 'Waiting for the first lines…'}
              </pre>
            </>
          )
        }
      </Loading>
    </section>
  );
}
