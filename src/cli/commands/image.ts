/** `kiln image`: managed images, as `az image`, and `kiln image builder` below it. */
import { API_VERSIONS } from '../arm/api-versions.ts';
import { UsageError } from '../arm/args.ts';
import type { GroupSpec } from '../arm/command.ts';
import {
  createCommand,
  deleteCommand,
  exampleNames,
  listCommand,
  namedKind,
  resolveSource,
  showCommand,
} from '../arm/resources.ts';
import { DISK, SNAPSHOT } from './disk.ts';
import { imageBuilder } from './image-builder.ts';

export const IMAGE = namedKind({
  command: 'image',
  noun: 'managed image',
  provider: 'Microsoft.Compute',
  apiVersion: API_VERSIONS.images,
  collection: 'images',
  example: 'MyImage',
});

const names = exampleNames(IMAGE);

export const image: GroupSpec = {
  name: 'image',
  summary: 'Manage managed images, and build them with image builder.',
  groups: [imageBuilder],
  commands: [
    createCommand(IMAGE, {
      summary: 'Create a managed image from a disk, a snapshot or a VHD blob.',
      flags: [
        {
          name: 'source',
          required: true,
          help: 'The OS disk source: a VHD blob URI, a managed disk or snapshot id, or the name of one in the resource group.',
        },
        { name: 'os-type', values: ['Linux', 'Windows'], required: true, help: 'The operating system of the OS disk.' },
        { name: 'hyper-v-generation', values: ['V1', 'V2'], help: 'The hypervisor generation.' },
        {
          name: 'storage-sku',
          values: ['Standard_LRS', 'Premium_LRS', 'StandardSSD_LRS', 'UltraSSD_LRS', 'Premium_ZRS', 'StandardSSD_ZRS'],
          help: 'The storage type of the image.',
        },
        { name: 'os-disk-caching', values: ['None', 'ReadOnly', 'ReadWrite'], help: 'Caching of the OS disk.' },
      ],
      examples: [
        {
          title: 'An image from a snapshot of the same resource group.',
          command: `kiln image create ${names} --source MySnapshot --os-type Linux`,
        },
        {
          title: 'An image from a VHD in a Kiln region store.',
          command: `kiln image create ${names} --source https://kiln.example:8443/blob/westus/vhds/os.vhd --os-type Linux -l westus`,
        },
      ],
      async body(session, args) {
        const source = (await resolveSource(session, args, 'source', [DISK, SNAPSHOT]))!;
        const osDisk: Record<string, unknown> = {
          osType: args.string('os-type'),
          osState: 'Generalized',
          caching: args.string('os-disk-caching'),
          storageAccountType: args.string('storage-sku'),
        };
        if ('uri' in source) osDisk.blobUri = source.uri;
        else if (source.type === 'microsoft.compute/disks') osDisk.managedDisk = { id: source.id };
        else if (source.type === 'microsoft.compute/snapshots') osDisk.snapshot = { id: source.id };
        else throw new UsageError(`argument --source: '${source.id}' is not a managed disk, a snapshot or a blob URI.`);
        return { properties: { hyperVGeneration: args.string('hyper-v-generation'), storageProfile: { osDisk } } };
      },
    }),
    showCommand(IMAGE),
    listCommand(IMAGE),
    deleteCommand(IMAGE),
  ],
};
