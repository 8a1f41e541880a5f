// Positions of a snapshot list's items by key, built once per list: a snapshot never changes (a sync makes a new
// one), so finding one of 100,000 images by id or name, or a page marker, is a map read instead of a scan.
// Memos keyed on the list itself (src/lib/memo.ts): the index goes when the snapshot goes.
import { KeyedWeakMemo, WeakMemo } from '../lib/memo.ts';

/** The unique keys of snapshot lists: flavor and image `id`, host `name`. */
export type KeyField = 'id' | 'name';

const byUniqueKey = new KeyedWeakMemo<readonly object[], KeyField, Map<string, number>>();
const byName = new WeakMemo((items: readonly { name: string | null }[]) => {
  const positions = new Map<string, number[]>();
  items.forEach((item, i) => {
    if (item.name === null) return;
    const known = positions.get(item.name);
    if (known) known.push(i);
    else positions.set(item.name, [i]);
  });
  return positions;
});

/** The value of an item's key field. */
export function keyOf(item: object, field: KeyField): string {
  return String((item as Record<KeyField, unknown>)[field]);
}

/** Where the item whose `field` (the list's unique key) is `wanted` is. */
export function positionOf(items: readonly object[], field: KeyField, wanted: string): number | undefined {
  return byUniqueKey.get(items, field, () => new Map(items.map((item, i) => [keyOf(item, field), i]))).get(wanted);
}

/** Every item with this name (Glance image names are not unique), in list order. */
export function namedItems<T extends { name: string | null }>(items: readonly T[], name: string): T[] {
  return (byName.get(items).get(name) ?? []).map((i) => items[i]!);
}
