// Positions of a snapshot list's items by key, built once per list: a snapshot never changes (a sync makes a new
// one), so finding one of 100,000 images by id or name, or a page marker, is a hash-table read instead of a scan.
// Memos keyed on the list itself (src/lib/memo.ts): the index goes when the snapshot goes. The registry builds them
// in steps when a snapshot becomes current (`lookupSteps`), so no answer waits for one (issue 16: the first image
// looked up by id after a start spent 50–200 ms building the map of 100,000 ids).
import { SteppedMemo } from '../lib/memo.ts';
import { fnv1a } from '../lib/string-hash.ts';
import type { CloudSnapshot } from '../model/index.ts';

/** The unique keys of snapshot lists: flavor and image `id`, host `name`. */
export type KeyField = 'id' | 'name';

/** Items keyed between two steps of a build: a few milliseconds of work. */
const ITEMS_PER_STEP = 10_000;

/**
 * Positions of a list's items by a string key, held in typed arrays, off the JS heap: a Map of 100,000 image ids held
 * 3.7 MiB of it, and the smaller tables it outgrew while filling stayed behind as garbage until a full collection
 * (issue 16). Open addressing, probed in turn, never more than half full; items with the same key are chained in list
 * order. The keys are read from the items, never copied.
 */
class KeyPositions {
  /** Per slot: 1 + the position of the first item whose key the slot holds; 0 when empty. */
  private readonly slots: Int32Array;
  /** Per position: 1 + the position of the next item with the same key; 0 after the last. */
  private readonly next: Int32Array;
  private readonly mask: number;

  constructor(private readonly keyAt: (at: number) => string | null, count: number) {
    const size = 2 ** Math.ceil(Math.log2(Math.max(2, count * 2)));
    this.slots = new Int32Array(size);
    this.next = new Int32Array(count);
    this.mask = size - 1;
  }

  /** Adds the item at `at`, before those of its key added so far: adding last to first keeps the chains in list order. */
  add(at: number): void {
    const key = this.keyAt(at);
    if (key === null) return;
    const slot = this.slotOf(key);
    this.next[at] = this.slots[slot]!;
    this.slots[slot] = at + 1;
  }

  /** The positions of the items with this key, in list order. */
  positions(key: string): number[] {
    const found: number[] = [];
    for (let held = this.slots[this.slotOf(key)]!; held !== 0; held = this.next[held - 1]!) found.push(held - 1);
    return found;
  }

  /** The slot holding this key, or the empty one where it would go. */
  private slotOf(key: string): number {
    for (let slot = fnv1a(key) & this.mask; ; slot = (slot + 1) & this.mask) {
      const held = this.slots[slot]!;
      if (held === 0 || this.keyAt(held - 1) === key) return slot;
    }
  }
}

function positionsBy(keyAt: (items: readonly object[], at: number) => string | null): SteppedMemo<readonly object[], KeyPositions> {
  return new SteppedMemo(function* (items) {
    const positions = new KeyPositions((at) => keyAt(items, at), items.length);
    for (let at = items.length - 1; at >= 0; at--) {
      positions.add(at);
      if (at % ITEMS_PER_STEP === 0) yield;
    }
    return positions;
  });
}

const byUniqueKey: Record<KeyField, SteppedMemo<readonly object[], KeyPositions>> = {
  id: positionsBy((items, at) => keyOf(items[at]!, 'id')),
  name: positionsBy((items, at) => keyOf(items[at]!, 'name')),
};

/** Positions by name (Glance image names are not unique); items without a name have none. */
const byName = positionsBy((items, at) => (items[at] as { name: string | null }).name);

/** The value of an item's key field. */
export function keyOf(item: object, field: KeyField): string {
  return String((item as Record<KeyField, unknown>)[field]);
}

/** Where the item whose `field` (the list's unique key) is `wanted` is; the last one should two share it. */
export function positionOf(items: readonly object[], field: KeyField, wanted: string): number | undefined {
  return byUniqueKey[field].get(items).positions(wanted).at(-1);
}

/** Every item with this name (Glance image names are not unique), in list order. */
export function namedItems<T extends { name: string | null }>(items: readonly T[], name: string): T[] {
  return byName.get(items).positions(name).map((at) => items[at]!);
}

/** Builds every lookup of the snapshot's lists (images and flavors by id and name, hosts by name), a step at a time. */
export function* lookupSteps(snapshot: CloudSnapshot): Generator<void, void> {
  const builds = [
    byUniqueKey.id.steps(snapshot.images), byName.steps(snapshot.images),
    byUniqueKey.id.steps(snapshot.flavors), byName.steps(snapshot.flavors),
    byUniqueKey.name.steps(snapshot.hosts),
  ];
  for (const steps of builds) while (!steps.next().done) yield;
}
