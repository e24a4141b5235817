/**
 * What a part of the portal (gallery, image templates, compute, access control, VMs) adds to it:
 * entries in the side navigation, pages of its own, and overviews of its resource types, shown on a
 * resource's page above its JSON.
 */
import type { ReactNode } from 'react';
import type { PortalRoute } from '../router.tsx';

export interface ResourceViewProps {
  id: string;
  /** The resource as the API returned it. */
  resource: Record<string, unknown>;
  reload(): void;
}

export interface Feature {
  nav?: { label: string; to: string }[];
  routes?: PortalRoute[];
  /** By resource type, lower-cased (`microsoft.compute/galleries`). */
  views?: Record<string, (props: ResourceViewProps) => ReactNode>;
}
