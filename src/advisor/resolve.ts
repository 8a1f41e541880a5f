// Which image and flavor a request means: one of the snapshot by id or name, or one it proposes inline. Only items
// the caller may see count (visibility.ts): one it may not see is "not found", exactly as Glance and Nova answer.
import type { CloudSnapshot, Flavor, Image } from '../model/index.ts';
import type { FlavorRef } from '../schemas/flavor.ts';
import type { ImageRef } from '../schemas/image.ts';
import { AdvisorError } from './errors.ts';
import { namedItems, positionOf } from './lookup.ts';
import type { Caller } from './policy.ts';
import { flavorVisible, imageVisible } from './visibility.ts';

/** Stands for the image or flavor a request proposes rather than names. */
export const PROPOSED_ID = 'proposed';

function findOne<T extends { id: string; name: string | null }>(
  items: T[],
  kind: string,
  ref: { id?: string; name?: string },
  visible: (item: T) => boolean,
): T {
  if (ref.id !== undefined) {
    const item = items[positionOf(items, 'id', ref.id) ?? -1];
    if (item === undefined || !visible(item)) throw new AdvisorError('not_found', `no ${kind} with id "${ref.id}" in the snapshot`);
    return item;
  }
  const named = namedItems(items, ref.name ?? '').filter(visible);
  const [first] = named;
  if (!first) throw new AdvisorError('not_found', `no ${kind} named "${ref.name}" in the snapshot`);
  // Glance image names are not unique; picking one silently could advise on the wrong image.
  if (named.length > 1) {
    throw new AdvisorError('conflict', `${named.length} ${kind}s are named "${ref.name}"; name one by id: ${named.map((i) => i.id).join(', ')}`);
  }
  return first;
}

export function resolveImage(snapshot: CloudSnapshot, ref: ImageRef, caller: Caller): Image {
  if (ref.properties === undefined) return findOne(snapshot.images, 'image', ref, (image) => imageVisible(image, caller));
  return {
    id: PROPOSED_ID,
    name: ref.name ?? null,
    status: PROPOSED_ID,
    visibility: null,
    diskFormat: null,
    minDiskGb: 0,
    minRamMb: 0,
    owner: null,
    hidden: false,
    members: [],
    properties: ref.properties,
  };
}

export function resolveFlavor(snapshot: CloudSnapshot, ref: FlavorRef | undefined, caller: Caller): Flavor | null {
  if (ref === undefined) return null;
  if (ref.vcpus === undefined || ref.ram === undefined) return findOne(snapshot.flavors, 'flavor', ref, (flavor) => flavorVisible(flavor, caller));
  return {
    id: PROPOSED_ID,
    name: ref.name ?? PROPOSED_ID,
    vcpus: ref.vcpus,
    ramMb: ref.ram,
    diskGb: ref.disk ?? 0,
    ephemeralGb: ref.ephemeral ?? 0,
    swapMb: ref.swap ?? 0,
    isPublic: true,
    extraSpecs: ref.extra_specs ?? {},
    accessProjects: [],
  };
}

/** A command-line argument names an item by id when one has that id, else by name (Nova's CLI does the same). */
export function refTo(items: readonly { id: string }[], value: string | undefined): { id: string } | { name: string } | undefined {
  if (value === undefined) return undefined;
  return positionOf(items, 'id', value) !== undefined ? { id: value } : { name: value };
}
