/**
 * Any resource's page, by its id: breadcrumbs up to its subscription, the overview its feature
 * gives for its type (a subscription's groups, a group's resources, a gallery's definitions...),
 * its JSON as the API returned it with the id to copy, and Delete where the role allows it.
 */
import type { ReactNode } from 'react';
import { apiVersionOf } from '../../arm/api-versions.ts';
import { ancestorsOf, parseId } from '../../arm/ids.ts';
import { resourcePath } from '../../arm/ids.ts';
import { useLoad } from '../../hooks/use-load.ts';
import { usePermissions } from '../../hooks/use-permissions.ts';
import { Link, navigate } from '../../router.tsx';
import { useSession } from '../../session/session-context.tsx';
import { ConfirmButton } from '../../ui/confirm-button.tsx';
import { JsonView } from '../../ui/json-view.tsx';
import { Loading } from '../../ui/loading.tsx';
import { Page } from '../../ui/page.tsx';
import { useToast } from '../../ui/toasts.tsx';
import { useSubscriptions } from './subscriptions.tsx';
import type { Feature } from '../feature.ts';

export function ResourcePage(props: { id: string; views: NonNullable<Feature['views']> }): ReactNode {
  const { client } = useSession();
  const toast = useToast();
  const parsed = parseId(props.id);
  const apiVersion = apiVersionOf(parsed.type);
  const loaded = useLoad(() => client.get<Record<string, unknown>>(props.id, apiVersion), [client, props.id]);
  const can = usePermissions(props.id);
  const View = props.views[parsed.type.toLowerCase()];
  const deleteAction = `${parsed.type === 'Microsoft.Resources/resourceGroups' ? 'Microsoft.Resources/subscriptions/resourceGroups' : parsed.type}/delete`;
  const remove = async () => {
    try {
      await client.change('DELETE', props.id, apiVersion);
      toast.success(`${parsed.name} deleted`);
      navigate(parsed.parent ? resourcePath(parsed.parent) : '/');
    } catch (failure) {
      toast.error(failure);
    }
  };
  // A subscription reads as its display name, as in the Azure portal; the rest by their names.
  const subscriptions = useSubscriptions();
  const crumbLabel = (id: string) =>
    subscriptions.data?.find((s) => s.id.toLowerCase() === id.toLowerCase())?.displayName ?? parseId(id).name;
  const displayName = (loaded.data?.displayName as string | undefined) ?? parsed.name;
  return (
    <Page
      title={displayName}
      crumbs={[
        { label: 'Home', to: '/' },
        ...ancestorsOf(props.id).map((id) => ({ label: crumbLabel(id), to: resourcePath(id) })),
      ]}
      actions={
        <>
          <Link to={`/access${props.id}`} className="button-link secondary">
            Access control (IAM)
          </Link>
          {parsed.type !== 'Microsoft.Resources/subscriptions' && can(deleteAction) && (
            <ConfirmButton
              label="Delete"
              question={`Delete ${parsed.name}? This cannot be undone.`}
              onConfirm={remove}
            />
          )}
        </>
      }
    >
      <p className="resource-type">{parsed.type}</p>
      <Loading loaded={loaded}>
        {(resource) => (
          <>
            {View && <View id={props.id} resource={resource} reload={loaded.reload} />}
            <details open={!View}>
              <summary>JSON view</summary>
              <JsonView value={resource} />
            </details>
          </>
        )}
      </Loading>
    </Page>
  );
}
