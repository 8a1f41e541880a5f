// extend and mergeRecords stand in for spreads on an answer's path (lib/objects.ts): they must give what the spread
// gave, key order included (answers list fields in the order their objects hold them until encoded, and the encoding
// keeps a record's own order).
import { describe, expect, it } from 'vitest';
import { extend, mergeRecords } from './objects.ts';

describe('extend', () => {
  const base = { subject: 'live migration', source: 'domain.md §4.4', reason: 'unplugged' };
  it.each([
    ['new fields go last', { evidence: [] }],
    ['a field base has keeps its place with the new value', { reason: 'replugged' }],
    ['both at once', { backend: 'ovs', source: 'NOVA vif.py' }],
    ['no fields: a copy', {}],
  ])('as { ...base, ...fields }: %s', (_name, fields) => {
    const extended = extend(base, fields);
    const spread = { ...base, ...fields };
    expect(extended).toStrictEqual(spread);
    expect(Object.keys(extended)).toEqual(Object.keys(spread));
    expect(extended).not.toBe(base);
  });

  it('leaves base as it was', () => {
    extend(base, { reason: 'changed' });
    expect(base).toStrictEqual({ subject: 'live migration', source: 'domain.md §4.4', reason: 'unplugged' });
  });
});

describe('mergeRecords', () => {
  it.each([
    ['disjoint', { hw_disk_bus: 'scsi' }, { hw_vif_model: 'virtio' }],
    ['b replaces a key of a in place', { hw_disk_bus: 'ide', os_type: 'linux' }, { hw_disk_bus: 'virtio' }],
    ['empty b', { 'hw:cpu_policy': 'dedicated' }, {}],
    ['empty a', {}, { 'pci_passthrough:alias': 'a1:2' }],
  ])('as { ...a, ...b }: %s', (_name, a: Record<string, string>, b: Record<string, string>) => {
    const merged = mergeRecords(a, b);
    const spread = { ...a, ...b };
    expect(merged).toStrictEqual(spread);
    expect(Object.keys(merged)).toEqual(Object.keys(spread));
  });

  it('keeps a __proto__ key as a key, as a spread of parsed JSON does (Object.assign would set the prototype)', () => {
    const parsed = JSON.parse('{"__proto__":{"polluted":"yes"},"hw_disk_bus":"virtio"}') as Record<string, unknown>;
    const merged = mergeRecords<unknown>(parsed, { os_type: 'linux' });
    expect(Object.keys(merged)).toEqual(['__proto__', 'hw_disk_bus', 'os_type']);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect((merged as { polluted?: string }).polluted).toBeUndefined();
  });
});
