import { useEffect, type ReactNode } from 'react';
import { Link } from '../router.tsx';

export interface Crumb {
  label: string;
  to: string;
}

/** A page: its breadcrumbs, its title (also the document's), the actions it offers, then its content. */
export function Page(props: { title: string; crumbs?: Crumb[]; actions?: ReactNode; children: ReactNode }): ReactNode {
  useEffect(() => {
    document.title = `${props.title} · Kiln`;
  }, [props.title]);
  return (
    <>
      {props.crumbs && props.crumbs.length > 0 && (
        <nav aria-label="Breadcrumb" className="crumbs">
          <ol>
            {props.crumbs.map((crumb) => (
              <li key={crumb.to}>
                <Link to={crumb.to}>{crumb.label}</Link>
              </li>
            ))}
          </ol>
        </nav>
      )}
      <div className="page-head">
        <h1>{props.title}</h1>
        {props.actions && <div className="actions">{props.actions}</div>}
      </div>
      {props.children}
    </>
  );
}
