/** `kiln sig`: Azure Compute Galleries, as `az sig`, with image definitions and versions below. */
import type { GroupSpec } from '../arm/command.ts';
import { createCommand, deleteCommand, exampleNames, listCommand, showCommand } from '../arm/resources.ts';
import { imageDefinition } from './sig-image-definition.ts';
import { imageVersion } from './sig-image-version.ts';
import { GALLERY } from './sig-kinds.ts';

export const sig: GroupSpec = {
  name: 'sig',
  summary: 'Manage galleries (Azure Compute Gallery), their image definitions and image versions.',
  groups: [imageDefinition, imageVersion],
  commands: [
    createCommand(GALLERY, {
      summary: 'Create a gallery.',
      flags: [{ name: 'description', help: 'The description of the gallery.' }],
      examples: [{ title: 'Create a gallery.', command: `kiln sig create ${exampleNames(GALLERY)} -l westus` }],
      body: async (_session, args) => ({ properties: { description: args.string('description') } }),
    }),
    showCommand(GALLERY),
    listCommand(GALLERY),
    deleteCommand(GALLERY),
  ],
};
