// The column-map machinery on its most nested map, without a database; tests/integration/store.test.ts
// round-trips every table through both engines.
import { describe, expect, it } from 'vitest';
import { Sharing } from '../lib/sharing.ts';
import { PackWriter } from './columns.ts';
import { HOSTS, PCI_PROVIDERS, type PciRow } from './tables.ts';

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

  it('selects text[] columns as JSON, shared ones as text and a shared record as one JSON array, in map order', () => {
    expect(PCI_PROVIDERS.select).toBe(
      'host_uuid, uuid, name, parent_uuid, root_uuid, resource_class, array_to_json(traits)::text AS traits, ' +
        'json_build_array(total, reserved, min_unit, max_unit, step_size, allocation_ratio)::text AS inventory, used',
    );
    expect(HOSTS.select).toContain('array_to_json(traits)::text AS traits, array_to_json(aggregates)::text AS aggregates, inventories::text AS inventories, usages, ');
  });

  it('loads rows that repeat a value with one shared string, list and record, equal to what was written', () => {
    const { provider } = row;
    // As PostgreSQL gives the row for `select`: shared values as their text, the record as its columns' JSON array.
    const selected = (uuid: string) => ({
      host_uuid: 'host-1', uuid, name: provider.name, parent_uuid: 'host-1', root_uuid: 'host-1', resource_class: provider.resourceClass,
      traits: JSON.stringify(provider.traits), inventory: '[16, 1, 1, 16, 1, 1.5]', used: 2,
    });
    const sharing = new Sharing();
    const first = PCI_PROVIDERS.load(selected('pci-1'), sharing);
    const second = PCI_PROVIDERS.load(selected('pci-2'), sharing);
    expect(first).toStrictEqual(row);
    expect(Object.keys(first.provider)).toEqual(Object.keys(provider));
    expect(second.provider.traits).toBe(first.provider.traits);
    expect(second.provider.inventory).toBe(first.provider.inventory);
    expect(second.provider.uuid).toBe('pci-2');
  });

  it('encodes a model into one flat record after the keys given, and decodes it back in field order', () => {
    const record = PCI_PROVIDERS.encode(row, { ord: 3 });
    expect(Object.keys(record)).toEqual(['ord', ...PCI_PROVIDERS.columns.split(', ')]);
    expect(record).toMatchObject({ ord: 3, host_uuid: 'host-1', total: 16, allocation_ratio: 1.5, used: 2 });
    const decoded = PCI_PROVIDERS.decode(record);
    expect(decoded).toStrictEqual(row);
    expect(Object.keys(decoded.provider)).toEqual(Object.keys(row.provider));
  });

  it('packs models in columns, shared values as indexes, and unpacks them equal, the shared ones still shared', () => {
    expect(PCI_PROVIDERS.layout).toBe(
      'hostUuid:string,provider.uuid:raw,provider.name:raw,provider.parentUuid:string,provider.rootUuid:string,' +
        'provider.resourceClass:string,provider.traits:value,provider.inventory:value,provider.used:raw',
    );
    // As a load gives them: a second provider of the host sharing its traits and inventory.
    const second: PciRow = { hostUuid: row.hostUuid, provider: { ...row.provider, uuid: 'pci-2', used: 0 } };
    const pack = new PackWriter();
    const packer = PCI_PROVIDERS.packer(pack);
    packer.add(row);
    packer.add(second);
    const columns = packer.flush();
    const contents = pack.take();
    expect(contents.strings).toEqual([null, 'host-1', 'CUSTOM_PCI_8086_154C']);
    expect(contents.values).toEqual([null, row.provider.traits, row.provider.inventory]);
    const [first, again] = PCI_PROVIDERS.unpack(columns, contents);
    expect([first, again]).toStrictEqual([row, second]);
    expect(Object.keys(first!.provider)).toEqual(Object.keys(row.provider));
    expect(again!.provider.traits).toBe(first!.provider.traits);
    expect(again!.provider.inventory).toBe(first!.provider.inventory);
    // What the next part points into is only what it adds.
    packer.add({ hostUuid: 'host-2', provider: { ...row.provider, parentUuid: 'host-2', rootUuid: 'host-2' } });
    packer.flush();
    expect(pack.take()).toEqual({ strings: ['host-2'], values: [] });
  });
});
