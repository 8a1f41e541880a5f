// Marker pagination over the in-memory snapshot, as Nova and Glance page (`limit`, `marker` = last key seen).
import { AdvisorError } from './errors.ts';
import { keyOf, type KeyField, positionOf } from './lookup.ts';

export interface Page<T> {
  items: T[];
  nextMarker: string | null;
}

/**
 * The page after `marker` of the items that match. The marker is looked up in the whole list (a map read) and
 * items are matched only until the page and one more are found, so a page costs its size, not the list's.
 */
export function paginate<T extends object>(
  items: readonly T[],
  options: {
    key: KeyField;
    /** Whether the caller may list the item at all (an item it may not is an unknown marker too). */
    listed: (item: T) => boolean;
    /** The query's filters. */
    matches: (item: T) => boolean;
    limit: number;
    marker: string | undefined;
  },
): Page<T> {
  const { key, listed, limit, marker } = options;
  const matches = (item: T) => listed(item) && options.matches(item);
  let start = 0;
  if (marker !== undefined) {
    const at = positionOf(items, key, marker);
    // Nova answers an unknown marker with 400 too; after a new snapshot the client starts over.
    if (at === undefined || !listed(items[at]!)) throw new AdvisorError('bad_request', `marker "${marker}" is not in the current snapshot`, { fields: [{ field: 'marker', message: 'not found' }] });
    start = at + 1;
  }
  const page: T[] = [];
  let more = false;
  for (let i = start; i < items.length; i++) {
    if (!matches(items[i]!)) continue;
    if (page.length === limit) {
      more = true;
      break;
    }
    page.push(items[i]!);
  }
  const last = page.at(-1);
  return { items: page, nextMarker: more && last !== undefined ? keyOf(last, key) : null };
}

/** Case-insensitive substring filter; an absent needle matches everything. */
export function contains(value: string | null, needle: string | undefined): boolean {
  return needle === undefined || (value ?? '').toLowerCase().includes(needle.toLowerCase());
}
