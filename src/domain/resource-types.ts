/**
 * Every ARM resource type Kiln serves, one descriptor each (domain/shared/resource-type.ts). A route
 * names the descriptor of its type; test/api/resource-types.test.ts checks that every route's type is
 * listed here and every listed type has a route, so what is derived from this list (the linked-access
 * test over every reference) covers every type served.
 */
import { PERMISSIONS_TYPE, ROLE_ASSIGNMENT_TYPE, ROLE_DEFINITION_TYPE } from './authorization/descriptor.ts';
import { DEPLOYMENT_OPERATION_TYPE, DEPLOYMENT_TYPE } from './deployments/descriptor.ts';
import { DISK_TYPE, SNAPSHOT_TYPE } from './disks/descriptor.ts';
import { COMMUNITY_GALLERY_TYPE } from './community-galleries/descriptor.ts';
import { GALLERY_TYPE } from './galleries/descriptor.ts';
import { GALLERY_IMAGE_VERSION_TYPE } from './gallery-image-versions/descriptor.ts';
import { GALLERY_IMAGE_TYPE } from './gallery-images/descriptor.ts';
import { IMAGE_TEMPLATE_TYPE, RUN_OUTPUT_TYPE, TRIGGER_TYPE } from './image-templates/descriptor.ts';
import { IMAGE_TYPE } from './images/descriptor.ts';
import { USER_ASSIGNED_IDENTITY_TYPE } from './managed-identities/descriptor.ts';
import { NETWORK_INTERFACE_TYPE } from './network-interfaces/descriptor.ts';
import { NETWORK_SECURITY_GROUP_TYPE } from './network-security-groups/descriptor.ts';
import { FEATURE_TYPE, PROVIDER_FEATURE_TYPE, SUBSCRIPTION_FEATURE_REGISTRATION_TYPE } from './features/descriptor.ts';
import { operationListTypes } from './operation-lists/descriptor.ts';
import {
  COMPUTE_OPERATION_TYPE,
  IMAGE_BUILDER_OPERATION_TYPE,
  RESOURCES_OPERATION_TYPE,
} from './operations/descriptor.ts';
import { PLATFORM_IMAGE_ADMIN_TYPE, PLATFORM_IMAGE_TYPE } from './platform-images/descriptor.ts';
import { PROVIDER_TYPE, SUBSCRIPTION_PROVIDER_TYPE } from './providers/descriptor.ts';
import { PUBLIC_IP_ADDRESS_TYPE } from './public-ip-addresses/descriptor.ts';
import { RESOURCE_GROUP_TYPE } from './resource-groups/descriptor.ts';
import { GENERIC_RESOURCE_TYPE } from './resources/descriptor.ts';
import { DEFAULT_SECURITY_RULE_TYPE, SECURITY_RULE_TYPE } from './security-rules/descriptor.ts';
import type { ResourceTypeDescriptor } from './shared/resource-type.ts';
import { SHARED_GALLERY_TYPE } from './shared-galleries/descriptor.ts';
import { SOFT_DELETED_RESOURCE_TYPE } from './soft-deleted-resources/descriptor.ts';
import { SUBNET_TYPE } from './subnets/descriptor.ts';
import { SUBSCRIPTION_TYPE, TENANT_TYPE } from './subscriptions/descriptor.ts';
import { TAG_NAME_TYPE, TAG_VALUE_TYPE, TAGS_TYPE } from './tags/descriptor.ts';
import { VIRTUAL_NETWORK_TYPE } from './virtual-networks/descriptor.ts';
import { RUN_COMMANDS_TYPE, VIRTUAL_MACHINE_TYPE, VM_SIZES_TYPE } from './virtual-machines/descriptor.ts';

const SERVED: readonly ResourceTypeDescriptor[] = [
  SUBSCRIPTION_TYPE,
  TENANT_TYPE,
  RESOURCE_GROUP_TYPE,
  GENERIC_RESOURCE_TYPE,
  TAGS_TYPE,
  TAG_NAME_TYPE,
  TAG_VALUE_TYPE,
  DISK_TYPE,
  SNAPSHOT_TYPE,
  IMAGE_TYPE,
  PLATFORM_IMAGE_TYPE,
  PLATFORM_IMAGE_ADMIN_TYPE,
  GALLERY_TYPE,
  GALLERY_IMAGE_TYPE,
  GALLERY_IMAGE_VERSION_TYPE,
  SHARED_GALLERY_TYPE,
  COMMUNITY_GALLERY_TYPE,
  SOFT_DELETED_RESOURCE_TYPE,
  IMAGE_TEMPLATE_TYPE,
  RUN_OUTPUT_TYPE,
  TRIGGER_TYPE,
  USER_ASSIGNED_IDENTITY_TYPE,
  VIRTUAL_NETWORK_TYPE,
  SUBNET_TYPE,
  NETWORK_SECURITY_GROUP_TYPE,
  SECURITY_RULE_TYPE,
  DEFAULT_SECURITY_RULE_TYPE,
  PUBLIC_IP_ADDRESS_TYPE,
  NETWORK_INTERFACE_TYPE,
  VIRTUAL_MACHINE_TYPE,
  VM_SIZES_TYPE,
  RUN_COMMANDS_TYPE,
  ROLE_ASSIGNMENT_TYPE,
  ROLE_DEFINITION_TYPE,
  PERMISSIONS_TYPE,
  COMPUTE_OPERATION_TYPE,
  IMAGE_BUILDER_OPERATION_TYPE,
  RESOURCES_OPERATION_TYPE,
  DEPLOYMENT_TYPE,
  DEPLOYMENT_OPERATION_TYPE,
  PROVIDER_TYPE,
  SUBSCRIPTION_PROVIDER_TYPE,
  FEATURE_TYPE,
  PROVIDER_FEATURE_TYPE,
  SUBSCRIPTION_FEATURE_REGISTRATION_TYPE,
];

/** Every namespace above lists its operations (`/providers/{namespace}/operations`), derived from its types. */
export const OPERATION_LIST_TYPES: readonly ResourceTypeDescriptor[] = operationListTypes(SERVED);

export const RESOURCE_TYPES: readonly ResourceTypeDescriptor[] = [...SERVED, ...OPERATION_LIST_TYPES];
