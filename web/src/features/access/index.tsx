/**
 * Access control (IAM): role assignments at a subscription, resource group or resource (inherited
 * ones included), adding and removing them where the caller may, the roles and what they permit, and
 * the caller's own access. `/access` picks a scope; `/access{scope}` is that scope's page.
 */
import type { Feature } from '../feature.ts';
import './access.css';
import { AccessPage } from './access-page.tsx';
import { isScope } from './model.ts';
import { ScopePicker } from './scope-picker.tsx';

export const accessControl: Feature = {
  nav: [{ label: 'Access control', to: '/access' }],
  routes: [
    {
      pattern: '/access/*',
      render: (params) => {
        const scope = `/${params['*']}`;
        if (isScope(scope)) return <AccessPage scope={scope} />;
        return <ScopePicker notScope={params['*'] ? scope : undefined} />;
      },
    },
  ],
};
