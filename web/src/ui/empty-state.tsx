import type { ReactNode } from 'react';

/** An empty list says what the list is for and what to do to fill it. */
export function EmptyState(props: { title: string; children?: ReactNode }): ReactNode {
  return (
    <div className="empty-state">
      <p className="empty-title">{props.title}</p>
      {props.children}
    </div>
  );
}
