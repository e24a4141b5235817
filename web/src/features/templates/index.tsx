/** Image templates (Azure VM Image Builder): the list, the create page, and each template's runs. */
import type { Feature } from '../feature.ts';
import { CreateTemplatePage } from './create-template-page.tsx';
import { TemplateView } from './template-view.tsx';
import { TemplatesPage } from './templates-page.tsx';
import './templates.css';

export const imageTemplates: Feature = {
  nav: [{ label: 'Image templates', to: '/templates' }],
  routes: [
    { pattern: '/templates', render: () => <TemplatesPage /> },
    { pattern: '/templates/create', render: () => <CreateTemplatePage /> },
  ],
  views: {
    'microsoft.virtualmachineimages/imagetemplates': (props) => <TemplateView {...props} />,
  },
};
