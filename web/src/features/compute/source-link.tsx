import type { ReactNode } from 'react';
import { parseId, resourcePath } from '../../arm/ids.ts';
import { Link } from '../../router.tsx';
import { nounOf } from './model.ts';

/** A resource something was made from (a disk, snapshot, image or VM): a link to its page, by its name and type. */
export function SourceLink(props: { id: string }): ReactNode {
  return (
    <>
      <Link to={resourcePath(props.id)}>{parseId(props.id).name}</Link> ({nounOf(props.id)})
    </>
  );
}
