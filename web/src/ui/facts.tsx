/**
 * A resource's details at a glance: a table of row headers and values, so assistive technology
 * reads each value with its name ("Disk state, ActiveSAS"), and a test finds it as a user would.
 */
import type { ReactNode } from 'react';

export type Fact = [term: string, value: ReactNode];

export function Facts(props: { label: string; facts: readonly Fact[] }): ReactNode {
  return (
    <table className="facts" aria-label={props.label}>
      <tbody>
        {props.facts.map(([term, value]) => (
          <tr key={term}>
            <th scope="row">{term}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
