// Marker pagination over the in-memory snapshot, as Nova and Glance page (`limit`, `marker` = last key seen).
import { ApiError } from './errors.ts';

export interface Page<T> {
  items: T[];
  nextMarker: string | null;
}

export function paginate<T>(items: readonly T[], key: (item: T) => string, limit: number, marker: string | undefined): Page<T> {
  let start = 0;
  if (marker !== undefined) {
    const at = items.findIndex((item) => key(item) === marker);
    // Nova answers an unknown marker with 400 too; after a new snapshot the client starts over.
    if (at < 0) throw new ApiError('bad_request', `marker "${marker}" is not in the current snapshot`, { errors: [{ field: 'marker', message: 'not found' }] });
    start = at + 1;
  }
  const slice = items.slice(start, start + limit);
  const last = slice.at(-1);
  return { items: slice, nextMarker: last !== undefined && start + limit < items.length ? key(last) : null };
}

/** Case-insensitive substring filter; an absent needle matches everything. */
export function contains(value: string | null, needle: string | undefined): boolean {
  return needle === undefined || (value ?? '').toLowerCase().includes(needle.toLowerCase());
}
