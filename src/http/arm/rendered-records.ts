/**
 * GET answers kept rendered: the JSON text of a stored record's resource, by record, for the resource
 * types whose GET answers the record's resource as it is (resource-routes.ts, `read`). A kept answer
 * is given only while the store holds the record with the etag the answer was rendered from, asked
 * for every call (`MetadataStore.etag`, one column): a record gets a new etag on every write, from any
 * process on the store, so a kept answer is always the one reading and rendering the record again
 * would give. A GET then reads one column instead of the whole record, and neither parses its JSON
 * nor serializes the resource.
 *
 * The calls that arrive in one turn of the event loop and ask for the same record share one etag
 * read, made after all of them arrived (in that turn's check phase, `setImmediate`): each call's
 * answer still reflects every change made before the call arrived, as its own read would. Under
 * load many calls for a popular record arrive together, and that read was most of what they cost.
 *
 * Invariants: an answer is kept only from a record read under the very key it is kept by, and a
 * record that is gone answers through the full read (its 404). Bounded: at most MAX_ANSWERS answers
 * and MAX_CHARS characters of text per store, the oldest dropped first.
 */
import type { MetadataStore, StoredRecord } from '../../ports/metadata-store.ts';

const MAX_ANSWERS = 10_000;
const MAX_CHARS = 32 * 1024 * 1024;

export interface RenderedAnswer {
  text: string;
  etag: string;
}

interface EtagRead {
  etag: Promise<string | undefined>;
  settle(read: Promise<string | undefined>): void;
}

class RenderedRecords {
  readonly #answers = new Map<string, RenderedAnswer>();
  #chars = 0;
  /** The etag reads asked for in this turn of the event loop, by key, made in its check phase. */
  #reads = new Map<string, EtagRead>();

  constructor(private readonly store: MetadataStore) {}

  /** The answer for the record at `key`: kept, or rendered by `render` from what `read` gives. */
  async answer(
    key: string,
    read: () => Promise<StoredRecord<{ resource: unknown }>>,
    render: (resource: unknown) => string,
  ): Promise<RenderedAnswer> {
    const kept = this.#answers.get(key);
    if (kept && kept.etag === (await this.#etagSoon(key))) return kept;
    const record = await read();
    const answer = { text: render(record.data.resource), etag: record.etag };
    if (record.key === key) this.#keep(key, answer);
    return answer;
  }

  /** The record's etag, read once after every call of this turn asking for it has arrived. */
  #etagSoon(key: string): Promise<string | undefined> {
    let read = this.#reads.get(key);
    if (!read) {
      if (this.#reads.size === 0) setImmediate(() => this.#readAll());
      let settle!: EtagRead['settle'];
      const etag = new Promise<string | undefined>((resolve) => (settle = resolve));
      this.#reads.set(key, (read = { etag, settle }));
    }
    return read.etag;
  }

  #readAll(): void {
    const reads = this.#reads;
    this.#reads = new Map();
    for (const [key, read] of reads) {
      try {
        read.settle(this.store.etag(key));
      } catch (error) {
        // The port answers with a promise; should a store throw instead, its callers still hear of it.
        read.settle(Promise.reject(error as Error));
      }
    }
  }

  #keep(key: string, answer: RenderedAnswer): void {
    this.#forget(key);
    if (answer.text.length > MAX_CHARS) return;
    this.#answers.set(key, answer);
    this.#chars += answer.text.length;
    while (this.#answers.size > MAX_ANSWERS || this.#chars > MAX_CHARS)
      this.#forget(this.#answers.keys().next().value!);
  }

  #forget(key: string): void {
    const kept = this.#answers.get(key);
    if (!kept) return;
    this.#answers.delete(key);
    this.#chars -= kept.text.length;
  }
}

const byStore = new WeakMap<MetadataStore, RenderedRecords>();

/** The answers kept for `store`'s records (one set per store, shared by every type's GET). */
export function renderedRecords(store: MetadataStore): RenderedRecords {
  let kept = byStore.get(store);
  if (!kept) byStore.set(store, (kept = new RenderedRecords(store)));
  return kept;
}
