/**
 * The watch cache (staging/src/k8s.io/apiserver/pkg/storage/cacher/watch_cache.go): keeps a ring
 * of recent changes and fans live changes out to open watches, filtered by kind, namespace and a
 * selection predicate. Without a resourceVersion (or with "0") a watch starts with an ADDED event
 * per existing object; with one, it first gets what changed after it (one event per object, with
 * its latest state), or the caller answers 410 Expired ("too old resource version") when those
 * changes are no longer kept, as a compacted etcd would.
 */
import type { KubeObject } from '../apis/objects.js';
import type { Change, ChangeType, Store } from './store.js';

export interface WatchEvent {
  readonly type: ChangeType;
  readonly object: KubeObject;
}

export interface WatchFilter {
  readonly kind: KubeObject['kind'];
  /** Empty: every namespace. */
  readonly namespace: string;
  readonly matches: (object: KubeObject) => boolean;
}

interface Recorded {
  readonly version: number;
  readonly type: ChangeType;
  /** The object itself: a live object keeps changing, so replay sends its latest state. */
  readonly object: KubeObject;
}

export type WatchStart =
  | { readonly ok: true; readonly backlog: WatchEvent[]; readonly stop: () => void }
  | { readonly ok: false; readonly oldest: number };

const keyOf = (o: KubeObject): string => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** Keeps the recent changes and fans live changes out to open watches. */
export class WatchCache {
  private readonly ring: Recorded[] = [];
  private start = 0;
  private oldestKept = 1;

  constructor(
    private readonly store: Store,
    private readonly capacity = 16384,
  ) {
    store.watch((change) => this.record(change));
  }

  private record(change: Change): void {
    const version = Number(change.object.metadata.resourceVersion);
    this.ring.push({ version, type: change.type, object: change.object });
    if (this.ring.length - this.start > this.capacity) {
      this.oldestKept = (this.ring[this.start] as Recorded).version + 1;
      this.start += 1;
      if (this.start > this.capacity) {
        this.ring.splice(0, this.start);
        this.start = 0;
      }
    }
  }

  private static inScope(filter: WatchFilter, object: KubeObject): boolean {
    return (
      object.kind === filter.kind &&
      (filter.namespace === '' || (object.metadata.namespace ?? object.metadata.name) === filter.namespace) &&
      filter.matches(object)
    );
  }

  /**
   * The changes after `since`, one event per object: its latest state (a watcher that misses
   * intermediate states sees the same end state), ADDED when it first appeared after `since`.
   */
  private replay(filter: WatchFilter, since: number): WatchEvent[] {
    const latest = new Map<string, { type: ChangeType; object: KubeObject; added: boolean }>();
    for (let i = this.start; i < this.ring.length; i++) {
      const r = this.ring[i] as Recorded;
      if (r.version <= since || r.object.kind !== filter.kind) continue;
      const key = keyOf(r.object);
      const previous = latest.get(key);
      latest.set(key, { type: r.type, object: r.object, added: previous?.added ?? r.type === 'ADDED' });
    }
    const events: WatchEvent[] = [];
    for (const { type, object, added } of latest.values()) {
      if (!WatchCache.inScope(filter, object)) continue;
      events.push({ type: type === 'DELETED' ? 'DELETED' : added ? 'ADDED' : 'MODIFIED', object });
    }
    return events;
  }

  /**
   * Opens a watch. `from` is the resourceVersion the client gave (undefined or "0": start with the
   * current objects). `send` receives each later change as it happens; it must encode the object
   * at once, since objects keep changing.
   */
  open(
    filter: WatchFilter,
    from: string | undefined,
    current: () => readonly KubeObject[],
    send: (event: WatchEvent) => void,
  ): WatchStart {
    let backlog: WatchEvent[];
    if (from === undefined || from === '' || from === '0') {
      backlog = current()
        .filter((o) => WatchCache.inScope(filter, o))
        .map((object) => ({ type: 'ADDED', object }));
    } else {
      const since = Number(from);
      if (!Number.isFinite(since) || since + 1 < this.oldestKept)
        return { ok: false, oldest: this.oldestKept };
      backlog = this.replay(filter, since);
    }
    const stop = this.store.watch((change) => {
      if (WatchCache.inScope(filter, change.object)) send({ type: change.type, object: change.object });
    });
    return { ok: true, backlog, stop };
  }
}
