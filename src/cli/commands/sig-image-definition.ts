/** `kiln sig image-definition`: gallery image definitions, as `az sig image-definition`. */
import type { GroupSpec } from '../arm/command.ts';
import { createCommand, deleteCommand, exampleNames, listCommand, showCommand } from '../arm/resources.ts';
import { DEFINITION, GALLERY_LOCATION } from './sig-kinds.ts';

export const imageDefinition: GroupSpec = {
  name: 'image-definition',
  summary: 'Manage gallery image definitions: what versions of one image have in common.',
  commands: [
    createCommand(DEFINITION, {
      summary: 'Create a gallery image definition.',
      flags: [
        { name: 'publisher', required: true, help: 'Image publisher (unique per gallery with offer and sku).' },
        { name: 'offer', required: true, help: 'Image offer.' },
        { name: 'sku', required: true, help: 'Image sku.' },
        { name: 'os-type', required: true, values: ['Linux', 'Windows'], help: 'The operating system of the images.' },
        {
          name: 'os-state',
          values: ['Generalized', 'Specialized'],
          default: 'Generalized',
          help: 'Whether the images are generalized.',
        },
        { name: 'hyper-v-generation', values: ['V1', 'V2'], help: 'The hypervisor generation.' },
        { name: 'description', help: 'The description of the image definition.' },
        { name: 'end-of-life-date', help: 'The end of life date, e.g. 2030-12-31.' },
      ],
      examples: [
        {
          title: 'Create a Linux image definition.',
          command: `kiln sig image-definition create ${exampleNames(DEFINITION)} --publisher MyCompany --offer WebServer --sku 1.0 --os-type Linux`,
        },
      ],
      location: GALLERY_LOCATION,
      body: async (_session, args) => ({
        properties: {
          identifier: { publisher: args.string('publisher'), offer: args.string('offer'), sku: args.string('sku') },
          osType: args.string('os-type'),
          osState: args.string('os-state'),
          hyperVGeneration: args.string('hyper-v-generation'),
          description: args.string('description'),
          endOfLifeDate: args.string('end-of-life-date'),
        },
      }),
    }),
    showCommand(DEFINITION),
    listCommand(DEFINITION),
    deleteCommand(DEFINITION),
  ],
};
