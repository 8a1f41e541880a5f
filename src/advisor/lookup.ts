// Positions of a snapshot list's items by key, built once per list: a snapshot never changes (a sync makes a new
// one), so finding one of 100,000 images by id or name, or a page marker, is a map read instead of a scan.
// Memos keyed on the list itself (src/lib/memo.ts): the index goes when the snapshot goes. The registry builds them
// in steps when a snapshot becomes current (`lookupSteps`), so no answer waits for one (issue 16: the first image
// looked up by id after a start spent 50–200 ms building the map of 100,000 ids).
import { SteppedMemo } from '../lib/memo.ts';
import type { CloudSnapshot } from '../model/index.ts';

/** The unique keys of snapshot lists: flavor and image `id`, host `name`. */
export type KeyField = 'id' | 'name';

/** Items keyed between two steps of a build: a few milliseconds of work. */
const ITEMS_PER_STEP = 10_000;

function keyedBy(field: KeyField): SteppedMemo<readonly object[], Map<string, number>> {
  return new SteppedMemo(function* (items) {
    const positions = new Map<string, number>();
    for (const [i, item] of items.entries()) {
      positions.set(keyOf(item, field), i);
      if ((i + 1) % ITEMS_PER_STEP === 0) yield;
    }
    return positions;
  });
}

const byUniqueKey: Record<KeyField, SteppedMemo<readonly object[], Map<string, number>>> = { id: keyedBy('id'), name: keyedBy('name') };

/** Positions by name: one number for a name only one item has (nearly all), a list for the others. */
const byName = new SteppedMemo(function* (items: readonly { name: string | null }[]) {
  const positions = new Map<string, number | number[]>();
  for (const [i, { name }] of items.entries()) {
    if (name !== null) {
      const known = positions.get(name);
      if (known === undefined) positions.set(name, i);
      else if (typeof known === 'number') positions.set(name, [known, i]);
      else known.push(i);
    }
    if ((i + 1) % ITEMS_PER_STEP === 0) yield;
  }
  return positions;
});

/** The value of an item's key field. */
export function keyOf(item: object, field: KeyField): string {
  return String((item as Record<KeyField, unknown>)[field]);
}

/** Where the item whose `field` (the list's unique key) is `wanted` is. */
export function positionOf(items: readonly object[], field: KeyField, wanted: string): number | undefined {
  return byUniqueKey[field].get(items).get(wanted);
}

/** Every item with this name (Glance image names are not unique), in list order. */
export function namedItems<T extends { name: string | null }>(items: readonly T[], name: string): T[] {
  const at = byName.get(items).get(name) ?? [];
  return typeof at === 'number' ? [items[at]!] : at.map((i) => items[i]!);
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
