// Lookups by key and by name over a snapshot list: Glance image names are not unique (an image is found by id, and a
// name that several images share is ambiguous: resolve.ts answers 409), Nova's flavor ids and host names are.
import { describe, expect, it } from 'vitest';
import { lookupSteps, namedItems, positionOf } from './lookup.ts';
import type { CloudSnapshot } from '../model/index.ts';

const images = [
  { id: 'a', name: 'ubuntu' },
  { id: 'b', name: 'cirros' },
  { id: 'c', name: 'ubuntu' },
  { id: 'd', name: null },
  { id: 'e', name: 'ubuntu' },
];

describe('lookup', () => {
  it('finds an item by its unique key, and nothing for a key no item has', () => {
    expect(images.map((i) => positionOf(images, 'id', i.id))).toEqual([0, 1, 2, 3, 4]);
    expect(positionOf(images, 'id', 'z')).toBeUndefined();
  });

  it('finds every item of a name in list order: one, several, none; an image without a name has none', () => {
    expect(namedItems(images, 'cirros')).toEqual([images[1]]);
    expect(namedItems(images, 'ubuntu')).toEqual([images[0], images[2], images[4]]);
    expect(namedItems(images, 'fedora')).toEqual([]);
    expect(namedItems(images, '')).toEqual([]);
  });

  it('built in steps over large lists, the lookups answer as built at once', () => {
    const many = Array.from({ length: 25_000 }, (_, i) => ({ id: `id-${i}`, name: `name-${i % 20_000}` }));
    const hosts = [{ name: 'h1' }, { name: 'h2' }];
    const steps = lookupSteps({ images: many, flavors: [], hosts } as unknown as CloudSnapshot);
    let stepsTaken = 0;
    while (!steps.next().done) stepsTaken++;
    expect(stepsTaken).toBeGreaterThan(1);
    expect(positionOf(many, 'id', 'id-24999')).toBe(24_999);
    expect(namedItems(many, 'name-7').map((i) => i.id)).toEqual(['id-7', 'id-20007']);
    expect(positionOf(hosts, 'name', 'h2')).toBe(1);
  });
});
