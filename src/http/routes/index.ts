import type { FastifyInstance } from 'fastify';
import { recordServedActions } from '../arm/route-table.ts';
import type { AppDeps } from '../deps.ts';
import { registerAuthorizationRoutes } from './authorization.ts';
import { registerDiskRoutes } from './disks.ts';
import { registerFeatureRoutes } from './features.ts';
import { registerGalleryRoutes } from './galleries.ts';
import { registerImageTemplateRoutes } from './image-templates.ts';
import { registerGalleryImageVersionRoutes } from './gallery-image-versions.ts';
import { registerImageRoutes } from './images.ts';
import { registerManagedIdentityRoutes } from './managed-identities.ts';
import { registerNetworkInterfaceRoutes } from './network-interfaces.ts';
import { registerNetworkSecurityGroupRoutes } from './network-security-groups.ts';
import { registerOperationRoutes } from './operations.ts';
import { registerPlatformImageRoutes } from './platform-images.ts';
import { registerProviderRoutes } from './providers.ts';
import { registerPublicIPAddressRoutes } from './public-ip-addresses.ts';
import { registerResourceGroupRoutes } from './resource-groups.ts';
import { registerSubscriptionRoutes } from './subscriptions.ts';
import { registerVirtualMachineRoutes } from './virtual-machines.ts';
import { registerVirtualNetworkRoutes } from './virtual-networks.ts';

export function registerArmRoutes(scope: FastifyInstance, deps: AppDeps): void {
  // First, so the operations lists see every route registered after it.
  const served = recordServedActions(scope);
  registerProviderRoutes(scope, deps, served);
  registerFeatureRoutes(scope, deps);
  registerSubscriptionRoutes(scope, deps);
  registerResourceGroupRoutes(scope, deps);
  registerDiskRoutes(scope, deps);
  registerImageRoutes(scope, deps);
  registerPlatformImageRoutes(scope, deps);
  registerGalleryRoutes(scope, deps);
  registerGalleryImageVersionRoutes(scope, deps);
  registerImageTemplateRoutes(scope, deps);
  registerOperationRoutes(scope, deps);
  registerAuthorizationRoutes(scope, deps);
  registerManagedIdentityRoutes(scope, deps);
  registerVirtualNetworkRoutes(scope, deps);
  registerNetworkSecurityGroupRoutes(scope, deps);
  registerPublicIPAddressRoutes(scope, deps);
  registerNetworkInterfaceRoutes(scope, deps);
  registerVirtualMachineRoutes(scope, deps);
}
