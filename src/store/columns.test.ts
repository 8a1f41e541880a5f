// The column-map machinery on its most nested map, without a database; tests/integration/store.test.ts
// round-trips every table through both engines.
import { describe, expect, it } from 'vitest';
import { PCI_PROVIDERS, type PciRow } from './tables.ts';

const row: PciRow = {
  hostUuid: 'host-1',
  provider: {
    uuid: 'pci-1',
    name: 'compute-1_0000:3b:00.0 "VF"',
    parentUuid: 'host-1',
    rootUuid: 'host-1',
    resourceClass: 'CUSTOM_PCI_8086_154C',
    traits: ['HW_NIC_SRIOV'],
    inventory: { total: 16, reserved: 1, minUnit: 1, maxUnit: 16, stepSize: 1, allocationRatio: 1.5 },
    used: 2,
  },
};

describe('a column map', () => {
  it('lists the columns and the record type in map order, nested maps flattened', () => {
    expect(PCI_PROVIDERS.columns).toBe(
      'host_uuid, uuid, name, parent_uuid, root_uuid, resource_class, traits, ' +
        'total, reserved, min_unit, max_unit, step_size, allocation_ratio, used',
    );
    expect(PCI_PROVIDERS.recordType).toMatch(
      /^host_uuid text, .* traits text\[\], .* allocation_ratio double precision, used integer$/,
    );
  });

  it('selects text[] columns as JSON arrays under their own names, the others as they are', () => {
    expect(PCI_PROVIDERS.select).toBe(PCI_PROVIDERS.columns.replace('traits', 'array_to_json(traits) AS traits'));
  });

  it('encodes a model into one flat record after the keys given, and decodes it back in field order', () => {
    const record = PCI_PROVIDERS.encode(row, { ord: 3 });
    expect(Object.keys(record)).toEqual(['ord', ...PCI_PROVIDERS.columns.split(', ')]);
    expect(record).toMatchObject({ ord: 3, host_uuid: 'host-1', total: 16, allocation_ratio: 1.5, used: 2 });
    const decoded = PCI_PROVIDERS.decode(record);
    expect(decoded).toStrictEqual(row);
    expect(Object.keys(decoded.provider)).toEqual(Object.keys(row.provider));
  });
});
