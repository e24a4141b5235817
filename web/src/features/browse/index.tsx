/** Browsing: subscriptions, their groups, "All resources", and every resource's page. */
import { ResourceGroups } from './resource-groups.tsx';
import { ResourceList } from './all-resources.tsx';
import type { Feature } from '../feature.ts';

export const browse: Feature = {
  nav: [
    { label: 'Subscriptions', to: '/' },
    { label: 'All resources', to: '/resources' },
  ],
  views: {
    'microsoft.resources/subscriptions': (props) => <ResourceGroups subscription={props.id.split('/')[2]} />,
    'microsoft.resources/resourcegroups': (props) => <ResourceList scopes={[props.id]} />,
  },
};
