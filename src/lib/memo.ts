// Memos keyed on an object that never changes once made (a snapshot, its `hosts` array, a host index, a rule
// context): the value is computed on first use and goes when the object goes (WeakMap), so nothing is ever stale
// and nothing outlives its snapshot.
import { LRUCache } from 'lru-cache';

/** The read-or-compute of every memo here, over a Map, WeakMap or LRUCache (whose `get` counts as a use). */
function getOrCreate<K, V>(store: { get(key: K): V | undefined; set(key: K, value: V): unknown }, key: K, create: (key: K) => V): V {
  let value = store.get(key);
  if (value === undefined) {
    value = create(key);
    store.set(key, value);
  }
  return value;
}

/** One value per object, made by `create` on first use. */
export class WeakMemo<K extends object, V> {
  private readonly values = new WeakMap<K, V>();

  constructor(private readonly create: (key: K) => V) {}

  get(key: K): V {
    return getOrCreate(this.values, key, this.create);
  }

  /** Forgets the value, so the next `get` makes a new one (e.g. after a build that failed). */
  delete(key: K): void {
    this.values.delete(key);
  }
}

/**
 * Values per object and inner key, each computed on first use. With `max`, each object keeps at most that many,
 * least recently used out first (an inner key comes from a request, so its space is open); without, all of them
 * (for inner keys from a closed set).
 */
export class KeyedWeakMemo<K extends object, IK extends NonNullable<unknown>, V extends NonNullable<unknown>> {
  private readonly perObject: WeakMemo<K, Map<IK, V> | LRUCache<IK, V>>;

  constructor(options: { max?: number } = {}) {
    const { max } = options;
    this.perObject = new WeakMemo(() => (max === undefined ? new Map<IK, V>() : new LRUCache<IK, V>({ max })));
  }

  get(object: K, key: IK, compute: () => V): V {
    return getOrCreate<IK, V>(this.perObject.get(object), key, compute);
  }
}
