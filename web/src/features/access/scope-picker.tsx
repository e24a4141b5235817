/**
 * Access control without a scope yet: pick a subscription and, if wanted, one of its resource groups,
 * or type any scope (a resource's id), and go to that scope's access page.
 */
import { useResourceGroups } from '../browse/use-resource-groups.ts';
import { useState, type FormEvent, type ReactNode } from 'react';
import { navigate } from '../../router.tsx';
import { EmptyState } from '../../ui/empty-state.tsx';
import { SelectField, TextField } from '../../ui/field.tsx';
import { Loading } from '../../ui/loading.tsx';
import { Page } from '../../ui/page.tsx';
import { useSubscriptions } from '../browse/subscriptions.tsx';
import { accessPath, isScope } from './model.ts';

/** `notScope`: a path the user came with that names no scope, said first. */
export function ScopePicker(props: { notScope?: string }): ReactNode {
  return (
    <Page title="Access control (IAM)" crumbs={[{ label: 'Home', to: '/' }]}>
      {props.notScope && (
        <div className="form-error" role="alert">
          <p>{props.notScope} is not a subscription, resource group or resource id: choose a scope below.</p>
        </div>
      )}
      <p>
        See who has access to a subscription, a resource group or a resource, give a role, take one away, and read what
        each role permits. Roles given at a scope reach everything below it.
      </p>
      <PickSubscriptionOrGroup />
      <TypeScope />
    </Page>
  );
}

function PickSubscriptionOrGroup(): ReactNode {
  const subscriptions = useSubscriptions();
  const [subscription, setSubscription] = useState('');
  const [group, setGroup] = useState('');
  const chosen = subscription || subscriptions.data?.[0]?.subscriptionId || '';
  const groups = useResourceGroups(chosen || undefined);
  const open = (event: FormEvent) => {
    event.preventDefault();
    navigate(accessPath(group || `/subscriptions/${chosen}`));
  };
  return (
    <Loading loaded={subscriptions} label="Loading subscriptions…">
      {(list) =>
        list.length === 0 ? (
          <EmptyState title="No subscriptions to show">
            <p>Ask an owner to assign you a role, or type a scope below.</p>
          </EmptyState>
        ) : (
          <form className="inline-form" aria-label="Choose a scope" onSubmit={open}>
            <SelectField
              label="Subscription"
              value={chosen}
              onChange={(e) => {
                setSubscription(e.target.value);
                setGroup('');
              }}
              options={list.map((s) => [s.subscriptionId, s.displayName] as [string, string])}
            />
            <SelectField
              label="Resource group"
              value={group}
              onChange={(e) => setGroup(e.target.value)}
              options={[
                ['', 'The whole subscription'],
                ...(groups.data ?? []).map((g) => [g.id, g.name] as [string, string]),
              ]}
            />
            <button type="submit" disabled={!chosen}>
              Open access control
            </button>
          </form>
        )
      }
    </Loading>
  );
}

function TypeScope(): ReactNode {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string>();
  const open = (event: FormEvent) => {
    event.preventDefault();
    const scope = `/${typed.trim().replace(/^\/+|\/+$/g, '')}`;
    if (!isScope(scope)) {
      setError(
        'A scope is a subscription, resource group or resource id: /subscriptions/{id}[/resourceGroups/{name}[/providers/…]].',
      );
      return;
    }
    navigate(accessPath(scope));
  };
  return (
    <form className="inline-form access-typed" aria-label="Open a scope by its ID" onSubmit={open}>
      <TextField
        label="Scope"
        value={typed}
        spellCheck={false}
        placeholder="/subscriptions/…/resourceGroups/…/providers/…"
        hint="Any resource's id, as its JSON view shows it."
        error={error}
        onChange={(e) => {
          setTyped(e.target.value);
          setError(undefined);
        }}
      />
      <button type="submit" disabled={!typed.trim()}>
        Open
      </button>
    </form>
  );
}
