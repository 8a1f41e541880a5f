// Positions of a snapshot list's items by key, built once per list: a snapshot never changes (a sync makes a new
// one), so finding one of 100,000 images by id or name, or a page marker, is a map read instead of a scan.
// WeakMaps keyed on the list itself: the index goes when the snapshot goes.

const byUniqueKey = new WeakMap<readonly object[], Map<string, number>>();
const byName = new WeakMap<readonly object[], Map<string, number[]>>();

/** Where the item with this key is. `key` must be the list's one unique key (flavor/image id, host name). */
export function positionOf<T extends object>(items: readonly T[], key: (item: T) => string, wanted: string): number | undefined {
  let positions = byUniqueKey.get(items);
  if (!positions) {
    positions = new Map(items.map((item, i) => [key(item), i]));
    byUniqueKey.set(items, positions);
  }
  return positions.get(wanted);
}

/** Every item with this name (Glance image names are not unique), in list order. */
export function namedItems<T extends { name: string | null }>(items: readonly T[], name: string): T[] {
  let positions = byName.get(items);
  if (!positions) {
    positions = new Map();
    items.forEach((item, i) => {
      if (item.name === null) return;
      const known = positions!.get(item.name);
      if (known) known.push(i);
      else positions!.set(item.name, [i]);
    });
    byName.set(items, positions);
  }
  return (positions.get(name) ?? []).map((i) => items[i]!);
}
