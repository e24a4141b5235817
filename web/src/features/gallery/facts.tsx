import type { ReactNode } from 'react';

/** A resource's facts as a description list: each a term and what it is. */
export function Facts(props: { items: readonly [string, ReactNode][] }): ReactNode {
  return (
    <dl className="gallery-facts">
      {props.items.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
