/**
 * The frame every create form of this feature shares: its page, the placement fields, the fields of
 * its own, the errors no field shows, and a submit button that spins while the work runs.
 */
import type { ReactNode } from 'react';
import { usePermissions } from '../../hooks/use-permissions.ts';
import { errorAt, FormError } from '../../ui/field.tsx';
import { Page } from '../../ui/page.tsx';
import { Spinner } from '../../ui/spinner.tsx';
import type { ComputeKind } from './model.ts';
import { PLACEMENT_PATHS, PlacementFields, type Placement } from './placement.tsx';
import { useCreate } from './use-create.ts';

export function CreateForm(props: {
  kind: ComputeKind;
  title: string;
  placement: Placement;
  create: ReturnType<typeof useCreate>;
  body: () => unknown;
  /** The JSON paths the form's own fields show errors at. */
  shown: readonly string[];
  ready?: boolean;
  children: ReactNode;
}): ReactNode {
  const { kind, placement, create } = props;
  const { subscription, group } = placement.target;
  const can = usePermissions(group ? `/subscriptions/${subscription}/resourceGroups/${group}` : undefined);
  const allowed = can(`${kind.type}/write`);
  return (
    <Page
      title={props.title}
      crumbs={[
        { label: 'Home', to: '/' },
        { label: kind.title, to: kind.path },
      ]}
    >
      <form
        className="stacked compute-form"
        aria-label={props.title}
        onSubmit={create.submit(placement.id, props.body)}
      >
        <PlacementFields placement={placement} error={create.error} />
        <fieldset>
          <legend>{kind.noun[0].toUpperCase() + kind.noun.slice(1)}</legend>
          {props.children}
        </fieldset>
        <FormError error={create.error} shown={[...PLACEMENT_PATHS, ...props.shown]} />
        {!allowed && (
          <p className="notice">
            Your roles do not let you create a {kind.noun} in {group} ({kind.type}/write): choose another group, or ask
            an owner of this one for the Contributor role.
          </p>
        )}
        <div className="actions">
          <button type="submit" disabled={create.busy || !allowed || !placement.complete || props.ready === false}>
            {create.busy ? <Spinner label={`Creating the ${kind.noun}…`} /> : `Create ${kind.noun}`}
          </button>
        </div>
      </form>
    </Page>
  );
}

/** The first message the error gives at any of `paths` (a source field answers for its object and its id). */
export function errorAtAny(error: unknown, paths: readonly string[]): string | undefined {
  for (const path of paths) {
    const message = errorAt(error, path);
    if (message) return message;
  }
  return undefined;
}
