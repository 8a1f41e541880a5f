// Memos keyed on an object that never changes once made (a snapshot, its `hosts` array, a host index, a rule
// context): the value is computed on first use and goes when the object goes (WeakMap), so nothing is ever stale
// and nothing outlives its snapshot.
import { LRUCache } from 'lru-cache';
import { RecentKeys } from './recent-keys.ts';

/** The read-or-compute of every memo here, over a Map, WeakMap or LRUCache (whose `get` counts as a use). */
function getOrCreate<K, V>(store: { get(key: K): V | undefined; set(key: K, value: V): unknown }, key: K, create: (key: K) => V): V {
  let value = store.get(key);
  if (value === undefined) {
    value = create(key);
    store.set(key, value);
  }
  return value;
}

const buildWatchers = new Set<(key: object) => void>();

/**
 * Calls `watcher` with the key of each value a WeakMemo or SteppedMemo computes from now on, until the returned
 * function is called: how a test sees that answers after a snapshot is prepared build nothing per snapshot.
 */
export function watchMemoBuilds(watcher: (key: object) => void): () => void {
  buildWatchers.add(watcher);
  return () => buildWatchers.delete(watcher);
}

function built(key: object): void {
  for (const watcher of buildWatchers) watcher(key);
}

/** One value per object, made by `create` on first use. */
export class WeakMemo<K extends object, V> {
  private readonly values = new WeakMap<K, V>();

  constructor(private readonly create: (key: K) => V) {}

  get(key: K): V {
    return getOrCreate(this.values, key, (k) => {
      const value = this.create(k);
      built(k);
      return value;
    });
  }

  /** Forgets the value, so the next `get` makes a new one (e.g. after a build that failed). */
  delete(key: K): void {
    this.values.delete(key);
  }
}

/**
 * One value per object, made by a generator that yields between small pieces of work, so a caller can build it a
 * step at a time with other work running in between (`steps`, see lib/turns.ts), or at once (`get`). Whoever asks
 * while a build is under way finishes that build rather than starting another.
 */
export class SteppedMemo<K extends object, V> {
  private readonly values = new WeakMap<K, V>();
  private readonly building = new WeakMap<K, Iterator<void, V>>();

  constructor(private readonly build: (key: K) => Generator<void, V>) {}

  /**
   * The build of the value as steps; done at once when it is built. Each step goes to the build under way, so
   * callers holding steps of the same key share one build, and a build that threw starts afresh at the next step.
   */
  steps(key: K): Iterator<void, V> {
    return {
      next: () => (this.values.has(key)
        ? { done: true, value: this.values.get(key)! }
        : getOrCreate(this.building, key, (k) => this.run(k)).next()),
    };
  }

  get(key: K): V {
    const steps = this.steps(key);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  }

  private *run(key: K): Generator<void, V> {
    try {
      const value = yield* this.build(key);
      this.values.set(key, value);
      built(key);
      return value;
    } finally {
      // Done or failed, the next one who asks reads the value or starts afresh, never a spent build.
      this.building.delete(key);
    }
  }
}

/**
 * Values per object and inner key, each computed on first use. With `max`, each object keeps at most that many,
 * least recently used out first (an inner key comes from a request, so its space is open); without, all of them
 * (for inner keys from a closed set).
 */
export class KeyedWeakMemo<K extends object, IK extends NonNullable<unknown>, V extends NonNullable<unknown>> {
  // A plain WeakMap, not a WeakMemo: the per-object container is no computed value (watchMemoBuilds).
  private readonly perObject = new WeakMap<K, Map<IK, V> | LRUCache<IK, V>>();

  constructor(private readonly options: { max?: number } = {}) {}

  get(object: K, key: IK, compute: () => V): V {
    const { max } = this.options;
    const values = getOrCreate(this.perObject, object, () => (max === undefined ? new Map<IK, V>() : new LRUCache<IK, V>({ max })));
    return getOrCreate<IK, V>(values, key, compute);
  }
}

/** A value kept by SecondUseMemo and how often it was asked (its key's uses before it was kept included). */
interface Kept<V> {
  value: V;
  uses: number;
}

/** Per object: the values kept, the uses of keys asked and not kept, the values computed lately. */
interface SecondUseSets<V extends NonNullable<unknown>> {
  kept: LRUCache<string, Kept<V>>;
  seen: RecentKeys;
  recent: LastComputed<V> | null;
  /** Asks since the uses were last halved. */
  asks: number;
}

/**
 * Values per object and inner key like KeyedWeakMemo with `max`, least recently used out first, but kept only from
 * the second time a key is asked (among the last `seen` keys asked and not kept), so keys asked once and never again
 * do not fill it (issue 16): each such value lived long enough to leave V8's young generation and died in the old
 * one, where only a full collection of the whole heap frees it. Values asked once now die young.
 *
 * Once full, a key is kept only if it was asked more often than the value it would push out (the least recently
 * used), as TinyLFU admits (Einziger, Friedman and Manes, https://arxiv.org/abs/1512.00727): when more keys come
 * back than fit, a kept value swapped for every key asked twice churned the cache, and each value swapped out died
 * old (capacity scans: 60 KB of memory outside the heap each, whose growth started a full collection every 1–3 s,
 * issue 16). Uses are halved every 10 × `max` asks, so what was asked often long ago gives way.
 *
 * With `recent`, the last `recent` values computed and not kept are answered from too, and those answers count as
 * no use: for callers that ask the same key several times while making one result (an answer's capacity scan, asked
 * by its candidates, allocation and capacity), which would otherwise count as uses. A value there is dropped a few
 * results later, still young.
 *
 * The keys asked and not kept are counted in a RecentKeys (two hashes of each key in typed arrays), not in an LRU of
 * the keys themselves, which every new key made promote and die old (lib/recent-keys.ts); `recent` is a ring, not an
 * LRUCache, for the same reason (below).
 */
export class SecondUseMemo<K extends object, V extends NonNullable<unknown>> {
  private readonly perObject = new WeakMap<K, SecondUseSets<V>>();

  constructor(private readonly options: { max: number; seen: number; recent?: number }) {}

  /** The value, and whether it is kept (asked before, and admitted); `compute` runs when it is neither kept nor recent. */
  get(object: K, key: string, compute: () => V): { value: V; kept: boolean } {
    const sets = getOrCreate(this.perObject, object, () => this.newSets());
    if (++sets.asks >= 10 * this.options.max) halveUses(sets);
    const kept = sets.kept.get(key);
    if (kept !== undefined) {
      kept.uses++;
      return { value: kept.value, kept: true };
    }
    const lately = sets.recent?.get(key);
    if (lately !== undefined) return { value: lately, kept: false };
    const value = compute();
    const uses = sets.seen.count(key);
    if (uses >= 2 && admits(sets.kept, uses)) {
      sets.seen.delete(key);
      sets.kept.set(key, { value, uses });
      return { value, kept: true };
    }
    sets.recent?.set(key, value);
    return { value, kept: false };
  }

  private newSets(): SecondUseSets<V> {
    const { max, seen, recent } = this.options;
    return {
      kept: new LRUCache({ max }), seen: new RecentKeys(seen), recent: recent ? new LastComputed(recent) : null, asks: 0,
    };
  }
}

/**
 * The last `size` values computed, by key, the oldest replaced first: SecondUseMemo's `recent`. A ring of two arrays
 * made once, searched in full (a few entries): an LRUCache of them rehashed its Map, which lives long, on every few
 * keys, and V8 makes the new tables of an old Map in the old generation, where they died (17 % of what outlived the
 * scavenges of a worker under nothing-reused recommendations, `HeapProfiler.startSampling`; issue 16).
 */
class LastComputed<V> {
  private readonly keys: (string | null)[];
  private readonly values: (V | null)[];
  private next = 0;

  constructor(size: number) {
    this.keys = new Array<string | null>(size).fill(null);
    this.values = new Array<V | null>(size).fill(null);
  }

  get(key: string): V | undefined {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] === key) return this.values[i] as V;
    return undefined;
  }

  set(key: string, value: V): void {
    this.keys[this.next] = key;
    this.values[this.next] = value;
    this.next = (this.next + 1) % this.keys.length;
  }
}

/** Room left, or more uses than the least recently used value kept, which the new one would push out. */
function admits<V extends NonNullable<unknown>>(kept: LRUCache<string, Kept<V>>, uses: number): boolean {
  if (kept.size < kept.max) return true;
  const victim = kept.rkeys().next();
  return victim.done === true || uses > (kept.peek(victim.value)?.uses ?? 0);
}

/** Halves every count in place (no reordering): TinyLFU's reset, so uses measure recent demand. */
function halveUses<V extends NonNullable<unknown>>(sets: SecondUseSets<V>): void {
  sets.asks = 0;
  for (const entry of sets.kept.values()) entry.uses >>= 1;
  sets.seen.halve();
}
