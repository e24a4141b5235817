/**
 * The other records a Microsoft.Network operation changes: the virtual network whose subnet a network
 * interface joins, the security group that lists it, the public IP address it takes. Each is read once,
 * changed in place and written in the operation's own batch with the etag it was read at, so the
 * operation and every reference it makes or drops land together or not at all, and two operations
 * racing on one record cannot both win: the loser runs again from a fresh read (`retryOnRace`).
 */
import { ArmError } from '../../core/arm-error.ts';
import { resourceKey } from '../../core/resource-id.ts';
import { ExpectationFailedError, type StoredRecord, type Write } from '../../ports/metadata-store.ts';
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

const ATTEMPTS = 10;

/**
 * Runs `operation` again from its reads while a record it read changed before its batch landed,
 * after a short random pause that grows with each attempt, so writers racing on one network part.
 */
export async function retryOnRace<T>(operation: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof ExpectationFailedError)) throw error;
      if (attempt === ATTEMPTS)
        throw new ArmError(
          409,
          'AnotherOperationInProgress',
          `Another operation on this or a dependent resource kept changing it (${ATTEMPTS} attempts); retry the request.`,
        );
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}
