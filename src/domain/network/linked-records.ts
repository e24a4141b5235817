/**
 * The other records a Microsoft.Network operation changes: the virtual network whose subnet a network
 * interface joins, the security group that lists it, the public IP address it takes. Each is read once,
 * changed in place and written in the operation's own batch with the etag it was read at, so the
 * operation and every reference it makes or drops land together or not at all, and two operations
 * racing on one record cannot both win: the loser runs again from a fresh read (shared/retry-on-race.ts).
 */
import { resourceKey } from '../../core/resource-id.ts';
import type { StoredRecord, Write } from '../../ports/metadata-store.ts';
import type { DomainContext } from '../context.ts';
import { resourceRecord, type ArmResource, type ResourceData } from '../shared/arm-resource.ts';

interface Loaded {
  record: StoredRecord<ResourceData>;
  data: ResourceData;
  read: string;
}

export class LinkedRecords {
  private readonly loaded = new Map<string, Loaded | null>();

  constructor(readonly ctx: DomainContext) {}

  /** A copy of the resource at `id` (a top-level resource id) to change in place; undefined when there is none. */
  async get<R extends ArmResource, I>(id: string): Promise<ResourceData<R, I> | undefined> {
    const key = resourceKey(id);
    if (!this.loaded.has(key)) {
      const record = await this.ctx.store.get<ResourceData>(key);
      this.loaded.set(
        key,
        record ? { record, data: structuredClone(record.data), read: JSON.stringify(record.data) } : null,
      );
    }
    return (this.loaded.get(key)?.data as ResourceData<R, I> | undefined) ?? undefined;
  }

  /** A put for each record that changed since it was read, guarded by the etag it was read at. */
  writes(): Write[] {
    return [...this.loaded.values()].flatMap((loaded) =>
      loaded && JSON.stringify(loaded.data) !== loaded.read
        ? [
            {
              op: 'put' as const,
              record: resourceRecord(loaded.data.resource, loaded.data.internal),
              expect: { etag: loaded.record.etag },
            },
          ]
        : [],
    );
  }
}
