import { describe, expect, it } from 'vitest';
import { GLANCE_CORE_ATTRIBUTES } from '../openstack/schemas.ts';
import type { Host, Image, PciProvider } from '../model/index.ts';
import { loadDemoCloud, parseDemoCloud } from './demo.ts';
import { normaliseCloud } from './normalise.ts';

const raw = loadDemoCloud();
const { snapshot, skippedProviders } = normaliseCloud(raw, 'demo-test', 'demo');

const allPci: PciProvider[] = snapshot.hosts.flatMap((host) => host.pciProviders);
const capacity = (inv: { total: number; reserved: number; allocationRatio: number }): number =>
  Math.floor((inv.total - inv.reserved) * inv.allocationRatio);
const image = (name: string): Image => {
  const found = snapshot.images.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no image ${name}`);
  return found;
};
const hwKeys = (img: Image): string[] => Object.keys(img.properties).filter((key) => key.startsWith('hw_'));

describe('the bundled demo cloud', () => {
  it('parses as a RawCloud of cloud demo in RegionOne, taken at a fixed time', () => {
    expect(raw.cloud).toBe('demo');
    expect(raw.region).toBe('RegionOne');
    expect(new Date(raw.taken_at).toISOString()).toBe('2026-11-20T09:00:00.000Z');
  });

  it('uses unique ids and has a body of each kind for every provider', () => {
    const uuids = raw.resource_providers.map((rp) => rp.uuid);
    expect(new Set(uuids).size).toBe(uuids.length);
    expect(new Set(raw.images.map((img) => img.id)).size).toBe(raw.images.length);
    expect(new Set(raw.flavors.map((flavor) => flavor.id)).size).toBe(raw.flavors.length);
    for (const body of [raw.inventories, raw.usages, raw.traits, raw.aggregates]) {
      expect(Object.keys(body).sort()).toEqual([...uuids].sort());
    }
  });

  it('normalises to twelve hosts in two racks of six, leaving out only the SR-IOV agent providers', () => {
    expect(snapshot.hosts).toHaveLength(12);
    const rackAggregates = ['1', '2'].map((rack) => {
      const inRack = snapshot.hosts.filter((host) => host.traits.includes(`CUSTOM_RACK_${rack}`));
      expect(inRack).toHaveLength(6);
      expect(inRack.every((host) => host.name.startsWith(`rack${rack}-`))).toBe(true);
      // The aggregates every host of the rack is in: at least the rack's own.
      return inRack[0]!.aggregates.filter((agg) => inRack.every((host) => host.aggregates.includes(agg)));
    });
    expect(rackAggregates[0]!.length).toBeGreaterThan(0);
    expect(rackAggregates[1]!.length).toBeGreaterThan(0);
    expect(rackAggregates[0]!.some((agg) => rackAggregates[1]!.includes(agg))).toBe(false);
    expect(skippedProviders.length).toBeGreaterThan(0);
    expect(skippedProviders.every((name) => name.includes('NIC Switch agent'))).toBe(true);
  });

  it('gives hosts varied sizes with Nova default ratios and reserved memory, and some usage', () => {
    expect(new Set(snapshot.hosts.map((host) => host.inventories.VCPU?.total)).size).toBeGreaterThan(2);
    const defaults = snapshot.hosts.filter((host) => host.inventories.VCPU?.allocationRatio === 16);
    expect(defaults.length).toBeGreaterThan(6);
    for (const host of snapshot.hosts) {
      expect(host.inventories.MEMORY_MB?.reserved).toBe(512);
      expect(host.inventories.DISK_GB).toBeDefined();
    }
    expect(snapshot.hosts.filter((host) => (host.usages.VCPU ?? 0) > 0).length).toBeGreaterThan(6);
  });

  it('never uses more than Placement would allow', () => {
    for (const host of snapshot.hosts) {
      for (const [rc, inv] of Object.entries(host.inventories)) {
        expect(host.usages[rc] ?? 0, `${host.name} ${rc}`).toBeLessThanOrEqual(capacity(inv));
      }
    }
    for (const provider of allPci) {
      expect(provider.used, provider.name).toBeLessThanOrEqual(capacity(provider.inventory));
    }
  });

  it('reports libvirt kvm traits, with one host lacking e1000 and one offering igb', () => {
    const lacksE1000 = (host: Host): boolean => !host.traits.includes('COMPUTE_NET_VIF_MODEL_E1000');
    expect(snapshot.hosts.filter(lacksE1000)).toHaveLength(1);
    expect(snapshot.hosts.filter((host) => host.traits.includes('COMPUTE_NET_VIF_MODEL_IGB')).length).toBeGreaterThan(0);
    for (const host of snapshot.hosts) {
      expect(host.traits).toEqual(expect.arrayContaining([
        'COMPUTE_NODE', 'COMPUTE_NET_VIF_MODEL_VIRTIO', 'COMPUTE_NET_VIF_MODEL_E1000E', 'COMPUTE_STORAGE_BUS_VIRTIO',
        'COMPUTE_STORAGE_BUS_SATA', 'COMPUTE_STORAGE_BUS_IDE', 'COMPUTE_NET_VIRTIO_PACKED',
      ]));
    }
  });
});

describe('PCI providers of the demo cloud', () => {
  const byClass = (rc: string): PciProvider[] => allPci.filter((provider) => provider.resourceClass === rc);

  it('names each provider after its host and PF address, as a child of the host', () => {
    expect(allPci.length).toBeGreaterThan(10);
    for (const host of snapshot.hosts) {
      for (const provider of host.pciProviders) {
        expect(provider.name).toMatch(new RegExp(`^${host.name}_[0-9A-F]{4}:[0-9A-F]{2}:[0-9A-F]{2}\\.[0-7]$`));
        expect(provider.parentUuid).toBe(host.uuid);
        expect(provider.rootUuid).toBe(host.uuid);
        expect(provider.traits).toContain('COMPUTE_MANAGED_PCI_DEVICE');
      }
    }
  });

  it.each([
    ['X710', 'CUSTOM_PCI_8086_154C'],
    ['ConnectX-5', 'CUSTOM_PCI_15B3_1018'],
  ])('has %s VF pools, some partly or fully used and some free', (_model, rc) => {
    const pools = byClass(rc);
    expect(pools.length).toBeGreaterThan(2);
    expect(pools.every((pool) => pool.traits.includes('HW_NIC_SRIOV') && pool.inventory.total >= 8)).toBe(true);
    expect(pools.some((pool) => pool.used > 0)).toBe(true);
    expect(pools.some((pool) => pool.used === 0)).toBe(true);
  });

  it('has whole X710 and ConnectX-5 PFs with total 1', () => {
    for (const rc of ['CUSTOM_PCI_8086_1572', 'CUSTOM_PCI_15B3_1017']) {
      const pfs = byClass(rc);
      expect(pfs.length, rc).toBeGreaterThan(0);
      expect(pfs.every((pf) => pf.inventory.total === 1)).toBe(true);
    }
    expect(byClass('CUSTOM_PCI_8086_1572').some((pf) => pf.used === 0)).toBe(true);
  });

  it('has a VF pool that is completely used', () => {
    expect(allPci.some((provider) => provider.used > 0 && provider.used === capacity(provider.inventory))).toBe(true);
  });

  it('exercises the capacity formula with reserved devices and a ratio other than 1', () => {
    expect(allPci.some((provider) => provider.inventory.reserved > 0)).toBe(true);
    const ratioed = allPci.filter((provider) => provider.inventory.allocationRatio !== 1);
    expect(ratioed.length).toBeGreaterThan(0);
    for (const provider of ratioed) {
      expect(capacity(provider.inventory)).not.toBe(provider.inventory.total - provider.inventory.reserved);
    }
  });

  it('has one host with both NIC models', () => {
    const models = (host: Host): Set<string> => new Set(host.pciProviders.map((provider) => provider.resourceClass));
    expect(snapshot.hosts.some((host) => models(host).has('CUSTOM_PCI_8086_154C') && models(host).has('CUSTOM_PCI_15B3_1018')))
      .toBe(true);
  });
});

describe('flavors of the demo cloud', () => {
  // A namespaced key (`trait`/`resources` may carry a group suffix) or one of the unnamespaced keys Nova reads.
  const VALID_KEY =
    /^(?:group_policy|(?:hw|hw_rng|hw_video|os|quota|accel|pci_passthrough|aggregate_instance_extra_specs):[a-z_]+|(?:trait|resources)(?:[a-zA-Z0-9_-]{1,64})?:[A-Z][A-Z0-9_]*)$/;
  const ALIAS = /^[^:]+:\d+(?:\s*,\s*[^:]+:\d+)*$/;
  const BOOL = /^(?:1|t|true|on|y|yes|0|f|false|off|n|no)$/i;

  it('has only well-formed extra spec keys and values', () => {
    for (const flavor of snapshot.flavors) {
      for (const [key, value] of Object.entries(flavor.extraSpecs)) {
        expect(key, flavor.name).toMatch(VALID_KEY);
        if (key === 'pci_passthrough:alias') expect(value).toMatch(ALIAS);
        if (key === 'group_policy') expect(['isolate', 'none']).toContain(value);
        if (key.startsWith('trait')) expect(['required', 'forbidden']).toContain(value);
        if (key === 'hw:vif_multiqueue_enabled' || key === 'hw:virtio_packed_ring') expect(value).toMatch(BOOL);
      }
    }
  });

  const has = (key: string, value?: string) => snapshot.flavors.filter(
    (flavor) => key in flavor.extraSpecs && (value === undefined || flavor.extraSpecs[key] === value),
  );

  it('has flavors with and without PCI aliases, for VFs and whole PFs of both NIC models', () => {
    const aliases = has('pci_passthrough:alias').map((flavor) => flavor.extraSpecs['pci_passthrough:alias']).join(',');
    for (const alias of ['x710-vf', 'x710-pf', 'mlx5-vf', 'mlx5-pf']) expect(aliases).toContain(`${alias}:`);
    expect(snapshot.flavors.filter((flavor) => Object.keys(flavor.extraSpecs).length === 0).length).toBeGreaterThan(2);
    expect(has('pci_passthrough:alias').some((flavor) => flavor.extraSpecs['pci_passthrough:alias']!.includes(','))).toBe(true);
  });

  it('has huge pages, pinning, group_policy=isolate and packed ring', () => {
    expect(has('hw:mem_page_size', 'large').length).toBeGreaterThan(0);
    expect(has('hw:mem_page_size', '1GB').length).toBeGreaterThan(0);
    expect(has('hw:cpu_policy', 'dedicated').length).toBeGreaterThan(0);
    expect(has('group_policy', 'isolate')).toHaveLength(1);
    expect(has('hw:virtio_packed_ring', 'true').length).toBeGreaterThan(0);
  });

  it('has multiqueue on a single-vCPU flavor and on bigger ones', () => {
    const mq = has('hw:vif_multiqueue_enabled', 'true');
    expect(mq.some((flavor) => flavor.vcpus === 1)).toBe(true);
    expect(mq.some((flavor) => flavor.vcpus >= 2)).toBe(true);
  });

  it('has a private flavor and one with swap and ephemeral disk', () => {
    expect(snapshot.flavors.some((flavor) => !flavor.isPublic)).toBe(true);
    expect(snapshot.flavors.some((flavor) => flavor.swapMb > 0 && flavor.ephemeralGb > 0)).toBe(true);
  });
});

describe('images of the demo cloud', () => {
  it('keeps every custom property as a top-level string', () => {
    for (const img of raw.images) {
      const custom = Object.entries(img).filter(([key]) => !GLANCE_CORE_ATTRIBUTES.has(key));
      expect(custom.every(([, value]) => typeof value === 'string'), img.name ?? img.id).toBe(true);
      expect(Object.keys(image(img.name!).properties)).toHaveLength(custom.length);
    }
  });

  it('has Ubuntu 22.04 with a generic os_distro and no hw_* property', () => {
    const ubuntu = image('ubuntu-22.04');
    expect(ubuntu.properties).toMatchObject({ os_distro: 'ubuntu', os_version: '22.04' });
    expect(hwKeys(ubuntu)).toEqual([]);
  });

  it('has RHEL 9.2, CentOS 6.10 and Debian 12 under a libosinfo short-id', () => {
    expect(image('rhel-9.2').properties).toMatchObject({ os_distro: 'rhel', os_version: '9.2' });
    expect(image('centos-6.10').properties).toMatchObject({ os_distro: 'centos', os_version: '6.10' });
    const debian = image('debian-12');
    expect(debian.properties.os_distro).toBe('debian12');
    expect(debian.properties.hw_vif_model).toBeUndefined();
  });

  it('has Windows Server 2022 with and without virtio drivers', () => {
    const windows = snapshot.images.filter((img) => img.properties.os_distro === 'windows' && img.properties.os_version === '2022');
    const withDrivers = windows.filter((img) => img.properties.os_virtio_drivers === 'true');
    expect(withDrivers).toHaveLength(1);
    expect(withDrivers[0]!.name).toContain('virtio');
    expect(windows.filter((img) => img.properties.os_virtio_drivers === undefined && !img.name?.includes('virtio')))
      .toHaveLength(1);
  });

  it('has an image with no os_distro', () => {
    expect(image('appliance-v3').properties.os_distro).toBeUndefined();
  });

  it('has hw_vif_model=e1000, the invalid ide-on-q35 combination and a value outside the Nova enum', () => {
    const props = snapshot.images.map((img) => img.properties);
    expect(props.some((p) => p.hw_vif_model === 'e1000')).toBe(true);
    expect(props.some((p) => p.hw_disk_bus === 'ide' && p.hw_machine_type === 'q35')).toBe(true);
    expect(props.some((p) => p.hw_vif_model === 'virtio-net')).toBe(true);
  });
});

describe('parseDemoCloud', () => {
  it('says which file is broken when the bundled JSON does not match the API shapes', () => {
    expect(() => parseDemoCloud({ cloud: 'demo', flavors: 'none' })).toThrow(/demo-cloud\.json\) is invalid[\s\S]*at flavors/);
  });
});
