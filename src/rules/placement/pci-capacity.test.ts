import { describe, expect, it } from 'vitest';
import { computeCapacity, isolatedFit, type CapacityRequest } from './capacity.ts';
import { DEFAULT_HOST_FACTS } from '../facts/host-facts.ts';
import { placementQuery } from './query.ts';
import { advise, defaultRuleContext, type RuleContext } from '../index.ts';
import {
  adviseAlias, aliasJson, inventoryCapacity, parseAliasSpec, parsePciResourceClass, pciDeviceClasses, resolveAlias,
} from '../pci/devices.ts';
import { LAB_FLAVORS, LAB_IMAGES, MASTER, flavor, host, image, inventory, labSnapshot, pciProvider, request, snapshot } from '../test-fixtures.ts';
import type { Capacity, Flavor, HostFacts } from '../../model/index.ts';

const lab = labSnapshot();
const ctx = (facts: Partial<HostFacts> = {}): RuleContext => {
  const base = defaultRuleContext();
  return { ...base, hostFacts: { ...base.hostFacts, ...facts } };
};
const capacityRequest = (fl: Flavor): CapacityRequest => ({
  query: placementQuery(fl, { properties: {} }, { facts: DEFAULT_HOST_FACTS, pci: [] }), deviceTraits: [],
});
/** Hosts that fit are in `hosts`, the first few that do not in `blockedExamples`: the lab's two are all listed. */
const listed = (capacity: Capacity) => [...capacity.hosts, ...capacity.blockedExamples];
const fitOf = (capacity: Capacity, name: string) => listed(capacity).find((h) => h.host === name)!;

describe('Placement capacity formula', () => {
  it.each([
    { name: 'plain', total: 8, reserved: 0, ratio: 1, capacity: 8 },
    { name: 'reserved', total: 8, reserved: 2, ratio: 1, capacity: 6 },
    { name: 'allocation_ratio', total: 8, reserved: 2, ratio: 1.5, capacity: 9 },
    { name: 'fraction truncated', total: 3, reserved: 0, ratio: 1.5, capacity: 4 },
    { name: 'reserved = total (1.26)', total: 4, reserved: 4, ratio: 1, capacity: 0 },
    { name: 'lab MEMORY_MB', total: 32768, reserved: 512, ratio: 1.5, capacity: 48384 },
  ])('§4.7 int((total − reserved) × ratio): $name', ({ total, reserved, ratio, capacity }) => {
    expect(inventoryCapacity(inventory(total, { reserved, allocationRatio: ratio }))).toBe(capacity);
  });

  it.each([
    { free: [1, 1], n: 2, fit: 1 },
    { free: [2], n: 2, fit: 0 },
    { free: [2, 2, 2], n: 2, fit: 3 },
    { free: [4, 1], n: 2, fit: 1 },
    { free: [3, 3], n: 2, fit: 3 },
    { free: [5, 0, 0], n: 1, fit: 5 },
    { free: [10, 10, 1], n: 3, fit: 1 },
    { free: [7, 5, 3, 0], n: 3, fit: 3 },
    { free: [64, 64, 64, 64], n: 2, fit: 128 },
    { free: [], n: 2, fit: 0 },
  ])('§4.6 group_policy=isolate: free $free, $n per instance → $fit', ({ free, n, fit }) => {
    expect(isolatedFit(free, n)).toBe(fit);
  });
});

describe('PCI resource classes and aliases', () => {
  it.each([
    { rc: 'CUSTOM_PCI_8086_154C', ids: { vendorId: '8086', productId: '154c' } },
    { rc: 'CUSTOM_PCI_15B3_101E', ids: { vendorId: '15b3', productId: '101e' } },
    { rc: 'CUSTOM_PCI_NIC_VF', ids: null },
    { rc: 'SRIOV_NET_VF', ids: null },
  ])('§4.5 $rc → $ids', ({ rc, ids }) => {
    expect(parsePciResourceClass(rc)).toEqual(ids);
  });

  it.each([
    { value: 'sriov-nic:2', entries: [{ name: 'sriov-nic', count: 2 }] },
    { value: 'a1:2, a2:1', entries: [{ name: 'a1', count: 2 }, { name: 'a2', count: 1 }] },
    { value: 'a1', entries: null },
    { value: 'a1:x', entries: null },
  ])('§1.5 pci_passthrough:alias "$value"', ({ value, entries }) => {
    expect(parseAliasSpec(value)).toEqual(entries);
  });

  const classes = pciDeviceClasses(lab.hosts);

  it('§4.5 the lab classes: PF and VF from resource class words and traits, free counts summed', () => {
    expect(classes.map((c) => [c.resourceClass, c.deviceType, c.free, c.traits.join(',')])).toEqual([
      ['CUSTOM_PCI_NIC_PF', 'type-PF', 2, 'CUSTOM_LAB_PF'],
      ['CUSTOM_PCI_NIC_VF', 'type-VF', 2, 'CUSTOM_LAB_VF,HW_NIC_SRIOV'],
    ]);
  });

  it.each([
    { alias: 'sriov-nic', rc: 'CUSTOM_PCI_NIC_VF' },
    { alias: 'nic-pf', rc: 'CUSTOM_PCI_NIC_PF' },
    { alias: 'my_vfs', rc: 'CUSTOM_PCI_NIC_VF' },
    { alias: 'mystery', rc: null },
    { alias: 'gpu', rc: null },
  ])('§4.2 alias name heuristics: $alias → $rc', ({ alias, rc }) => {
    expect(resolveAlias(alias, classes, undefined).resourceClass).toBe(rc);
  });

  it('§4.2 a request mapping wins over the heuristics', () => {
    expect(resolveAlias('sriov-nic', classes, { 'sriov-nic': 'CUSTOM_PCI_NIC_PF' }).deviceClass?.resourceClass).toBe('CUSTOM_PCI_NIC_PF');
  });

  const known = pciDeviceClasses([host('h', { pci: [
    pciProvider('h', '0000:81:00.0', 'CUSTOM_PCI_8086_154C', 8, 0, []),
    pciProvider('h', '0000:82:00.0', 'CUSTOM_PCI_10DE_1EB8', 1, 0, []),
    pciProvider('h', '0000:83:00.0', 'CUSTOM_PCI_8086_1572', 1, 0, []),
  ] })]);

  it.each([
    { rc: 'CUSTOM_PCI_8086_154C', facts: {}, json: '{"name":"x","vendor_id":"8086","product_id":"154c","device_type":"type-VF"}' },
    { rc: 'CUSTOM_PCI_10DE_1EB8', facts: {}, json: '{"name":"x","vendor_id":"10de","product_id":"1eb8","device_type":"type-PCI"}' },
    { rc: 'CUSTOM_PCI_8086_1572', facts: { pciInPlacement: true }, json: '{"name":"x","vendor_id":"8086","product_id":"1572","device_type":"type-PF"}' },
  ])('§4.2 alias JSON for $rc', ({ rc, facts, json }) => {
    const deviceClass = known.find((c) => c.resourceClass === rc)!;
    expect(adviseAlias('x', 1, deviceClass, { ...DEFAULT_HOST_FACTS, ...facts }, 'test', MASTER).advice.novaConf).toBe(json);
  });

  it('§4.2 §4.5 a custom resource class becomes resource_class + traits, and needs pci_in_placement', () => {
    const vf = classes.find((c) => c.resourceClass === 'CUSTOM_PCI_NIC_VF')!;
    const on = adviseAlias('sriov-nic', 2, vf, { ...DEFAULT_HOST_FACTS, pciInPlacement: true }, 'test', MASTER);
    expect(on.advice.novaConf).toBe('{"name":"sriov-nic","device_type":"type-VF","resource_class":"CUSTOM_PCI_NIC_VF","traits":"CUSTOM_LAB_VF,HW_NIC_SRIOV"}');
    expect(on.findings).toEqual([]);
    const off = adviseAlias('sriov-nic', 2, vf, DEFAULT_HOST_FACTS, 'test', MASTER);
    expect(off.findings.map((f) => f.id)).toEqual(['pci-alias-needs-pci-in-placement']);
  });

  it('§4.2 key order and schema keys only', () => {
    expect(aliasJson({ traits: 'T', resource_class: 'RC', device_type: 'type-VF', name: 'n' })).toBe('{"name":"n","device_type":"type-VF","resource_class":"RC","traits":"T"}');
  });
});

describe('capacity per host', () => {
  it('§4.7 lab.sriov (sriov-nic:2) on the lab: compute-1 has no free VF, compute-2 fits one', () => {
    const advice = advise(lab, request(LAB_IMAGES.ubuntu, LAB_FLAVORS.sriov), ctx());
    expect(advice.pciAliases.map((a) => [a.alias.name, a.count, a.alias.device_type])).toEqual([['sriov-nic', 2, 'type-VF']]);
    const capacity = advice.capacity!;
    expect(fitOf(capacity, 'lab-compute-1').instances).toBe(0);
    expect(fitOf(capacity, 'lab-compute-1').blockers.map((b) => b.id)).toEqual(['host-pci-insufficient']);
    expect(fitOf(capacity, 'lab-compute-1').freePci).toEqual({ CUSTOM_PCI_NIC_PF: 1, CUSTOM_PCI_NIC_VF: 0 });
    expect(fitOf(capacity, 'lab-compute-2').instances).toBe(1);
    expect(capacity.hostsThatFit).toBe(1);
    expect(capacity.totalInstances).toBe(1);
  });

  it('§4.7 request vfs override the flavor count: 1 VF → compute-2 fits 2', () => {
    const advice = advise(lab, request(LAB_IMAGES.ubuntu, LAB_FLAVORS.sriov, { vfs: 1 }), ctx());
    expect(advice.flavorExtraSpecs.find((r) => r.key === 'pci_passthrough:alias')?.value).toBe('sriov-nic:1');
    expect(advice.capacity?.totalInstances).toBe(2);
  });

  it('§4.7 lab.pf (nic-pf:1): one PF free per host', () => {
    const advice = advise(lab, request(LAB_IMAGES.ubuntu, LAB_FLAVORS.pf), ctx());
    expect(advice.pciAliases[0]?.alias.device_type).toBe('type-PF');
    expect(advice.capacity?.totalInstances).toBe(2);
  });

  const twoVfsOneProvider = snapshot([host('h', { pci: [pciProvider('h', '0000:81:00.0', 'CUSTOM_PCI_8086_154C', 2, 0, [])] })]);
  const twoProviders = snapshot([host('h', { pci: [
    pciProvider('h', '0000:81:00.0', 'CUSTOM_PCI_8086_154C', 1, 0, []),
    pciProvider('h', '0000:82:00.0', 'CUSTOM_PCI_8086_154C', 1, 0, []),
  ] })]);
  it.each([
    { name: 'one PF with 2 VFs, none', snap: twoVfsOneProvider, policy: 'none', pciInPlacement: true, fit: 1 },
    { name: 'one PF with 2 VFs, isolate', snap: twoVfsOneProvider, policy: 'isolate', pciInPlacement: true, fit: 0 },
    { name: 'two PFs with 1 VF each, none', snap: twoProviders, policy: 'none', pciInPlacement: true, fit: 1 },
    { name: 'two PFs with 1 VF each, isolate', snap: twoProviders, policy: 'isolate', pciInPlacement: true, fit: 1 },
    // §4.5 without pci_in_placement no PCI group reaches Placement: group_policy has nothing to isolate.
    { name: 'one PF with 2 VFs, isolate, pci_in_placement off', snap: twoVfsOneProvider, policy: 'isolate', pciInPlacement: false, fit: 1 },
  ] as const)('§4.6 2 VFs per instance, $name → $fit', ({ snap, policy, pciInPlacement, fit }) => {
    const fl = flavor('vf2', 2, 2048, 10, { 'pci_passthrough:alias': 'x710-vf:2', group_policy: policy });
    expect(advise(snap, request(LAB_IMAGES.ubuntu, fl), ctx({ pciInPlacement })).capacity?.totalInstances).toBe(fit);
  });

  it('§4.7 reserved and allocation_ratio on PCI providers', () => {
    const snap = snapshot([host('h', { pci: [pciProvider('h', '0000:81:00.0', 'CUSTOM_PCI_8086_154C', 8, 1, [], { reserved: 2, allocationRatio: 1.5 })] })]);
    // capacity int((8 − 2) × 1.5) = 9, used 1 ⇒ 8 free ⇒ 4 instances of 2 VFs
    const fl = flavor('vf2', 1, 512, 1, { 'pci_passthrough:alias': 'vf:2' });
    const advice = advise(snap, request(LAB_IMAGES.ubuntu, fl), ctx());
    expect(advice.capacity?.hosts[0]?.freePci).toEqual({ CUSTOM_PCI_8086_154C: 8 });
    expect(advice.capacity?.hosts[0]?.pciProviders).toEqual([
      { provider: 'h_0000:81:00.0', resourceClass: 'CUSTOM_PCI_8086_154C', capacity: 9, used: 1, free: 8 },
    ]);
    expect(advice.capacity?.totalInstances).toBe(4);
  });

  // A host with VFs of two classes: a listed host shows the providers of the class asked, none when no device is asked.
  const twoClasses = snapshot([host('h', { pci: [
    pciProvider('h', '0000:81:00.0', 'CUSTOM_PCI_8086_154C', 8, 1, []),
    pciProvider('h', '0000:82:00.0', 'CUSTOM_PCI_15B3_1018', 4, 0, []),
  ] })]);
  it.each<{ name: string; specs: Record<string, string>; providers: string[] | undefined }>([
    { name: 'no device asked', specs: {}, providers: undefined },
    { name: 'an alias of CUSTOM_PCI_8086_154C', specs: { 'pci_passthrough:alias': 'vf:2' }, providers: ['h_0000:81:00.0'] },
  ])('§4.6 §4.7 a listed host shows its PCI providers of the classes asked: $name', ({ specs, providers }) => {
    const fits = advise(twoClasses, request(LAB_IMAGES.ubuntu, flavor('f', 1, 512, 1, specs)), ctx()).capacity!.hosts[0]!;
    expect(fits.freePci).toEqual({ CUSTOM_PCI_8086_154C: 7, CUSTOM_PCI_15B3_1018: 4 });
    expect(fits.pciProviders?.map((p) => p.provider)).toEqual(providers);
  });

  it.each([
    { name: 'VCPU ratio 4: 16 / 2', vcpu: inventory(4, { allocationRatio: 4 }), fit: 8 },
    { name: 'VCPU reserved 2: (4−2)×4 / 2', vcpu: inventory(4, { allocationRatio: 4, reserved: 2 }), fit: 4 },
    { name: 'max_unit 1 < 2 vCPUs', vcpu: inventory(64, { maxUnit: 1 }), fit: 0 },
    { name: 'step_size 4 does not divide 2', vcpu: inventory(64, { stepSize: 4 }), fit: 0 },
  ])('§4.7 $name → $fit', ({ vcpu, fit }) => {
    const h = host('h', { inventories: { VCPU: vcpu, MEMORY_MB: inventory(1_000_000), DISK_GB: inventory(1_000) } });
    expect(computeCapacity([h], capacityRequest(flavor('f', 2, 1024, 10))).totalInstances).toBe(fit);
  });

  it('§4.7 blockers name the resource with numbers', () => {
    const h = host('h', { vcpus: 2, usages: { VCPU: 32 } }); // capacity 2 × 16 = 32, all used
    const capacity = computeCapacity([h], capacityRequest(flavor('f', 2, 1024, 10)));
    const fit = capacity.blockedExamples[0]!;
    expect(capacity.hosts).toEqual([]);
    expect(capacity.blocked).toEqual({ VCPU: 1 });
    expect(fit.instances).toBe(0);
    expect(fit.blockers[0]?.id).toBe('host-resource-insufficient');
    expect(fit.blockers[0]?.message).toBe('h: VCPU needs 2, 0 free.');
  });

  it('§1.5 DISK_GB = root + ephemeral + swap rounded up to GB; dedicated CPUs ask PCPU', () => {
    const flavorResources = (f: Flavor) => placementQuery(f, { properties: {} }, { facts: { imageMetadataPrefilter: false, pciInPlacement: false }, pci: [] })
      .groups.find((g) => g.suffix === '')?.resources;
    expect(flavorResources(flavor('f', 2, 1024, 10, {}, { ephemeralGb: 5, swapMb: 1500 }))).toEqual({ VCPU: 2, MEMORY_MB: 1024, DISK_GB: 17 });
    expect(flavorResources(LAB_FLAVORS.pinned)).toEqual({ PCPU: 4, MEMORY_MB: 4096, DISK_GB: 20 });
  });

  it('§4.7 lab.pinned does not fit the lab: no PCPU inventory', () => {
    const advice = advise(lab, request(LAB_IMAGES.ubuntu, LAB_FLAVORS.pinned), ctx());
    expect(advice.capacity?.totalInstances).toBe(0);
    expect(advice.capacity?.blockedExamples[0]?.blockers.map((b) => b.id)).toContain('host-resource-missing');
    // compute-1 has no free VF either (lab.sriov above): it counts under both blockers.
    expect(advice.capacity?.blocked).toEqual({ PCPU: 2, CUSTOM_PCI_NIC_VF: 1 });
    expect(advice.findings.map((f) => f.id)).toContain('no-host-fits');
  });

  it.each<{ name: string; specs: Record<string, string>; props: Record<string, string>; fits: string[]; blocker: string }>([
    { name: 'flavor trait required', specs: { 'trait:CUSTOM_LAB_RACK_B': 'required' }, props: {}, fits: ['lab-compute-2'], blocker: 'host-trait-missing' },
    { name: 'flavor trait forbidden', specs: { 'trait:CUSTOM_LAB_RACK_B': 'forbidden' }, props: {}, fits: ['lab-compute-1'], blocker: 'host-trait-forbidden' },
    { name: 'image trait required', specs: {}, props: { 'trait:CUSTOM_LAB_RACK_B': 'required' }, fits: ['lab-compute-2'], blocker: 'host-trait-missing' },
  ])('§1.4 §1.5 $name', ({ specs, props, fits, blocker }) => {
    const advice = advise(lab, request(image({ os_distro: 'ubuntu22.04', ...props }), flavor('f', 1, 512, 1, specs)), ctx());
    expect(advice.capacity?.hosts.map((h) => h.host)).toEqual(fits);
    expect(listed(advice.capacity!).flatMap((h) => h.blockers.map((b) => b.id))).toEqual([blocker]);
    expect(advice.capacity?.blocked).toEqual({ 'trait:CUSTOM_LAB_RACK_B': 1 });
  });

  it('§2.6 a host lacking COMPUTE_NET_VIF_MODEL_E1000 is blocked for a guest that needs e1000', () => {
    const advice = advise(lab, request(image({ os_distro: 'rhel', os_version: '5.0' }), flavor('f', 1, 512, 1)), ctx());
    expect(advice.imageProperties.find((r) => r.key === 'hw_vif_model')?.value).toBe('e1000');
    const blocked = fitOf(advice.capacity!, 'lab-compute-2');
    expect(advice.capacity?.blocked).toEqual({ hw_vif_model: 1 });
    expect(blocked?.instances).toBe(0);
    expect(blocked?.blockers.map((b) => [b.id, b.evidence[0]?.ref])).toEqual([['host-trait-missing', 'COMPUTE_NET_VIF_MODEL_E1000']]);
  });

  it('§2.5 disabled computes never fit (COMPUTE_STATUS_DISABLED is always forbidden)', () => {
    const h = host('off', { traits: ['COMPUTE_STATUS_DISABLED'] });
    expect(computeCapacity([h], capacityRequest(flavor('f', 1, 512, 1))).blockedExamples[0]?.blockers[0]?.id).toBe('host-trait-forbidden');
  });

  it('§4.7 §2.5 a host kept out for several reasons counts under each, once; hosts with the same traits share the verdict', () => {
    const hosts = [
      host('both', { vcpus: 1, usages: { VCPU: 16 }, traits: ['COMPUTE_STATUS_DISABLED'] }),
      host('off', { traits: ['COMPUTE_STATUS_DISABLED'] }),
      host('ok'),
      host('ok-too', { traits: [...host('ok').traits].reverse() }),
    ];
    const request = capacityRequest(flavor('f', 1, 512, 1));
    const capacity = computeCapacity(hosts, request);
    expect(capacity.blocked).toEqual({ 'trait:COMPUTE_STATUS_DISABLED': 2, VCPU: 1 });
    expect(capacity.hosts.map((h) => h.host)).toEqual(['ok', 'ok-too']);
    expect(capacity.blockedExamples.map((h) => h.blockers.map((b) => b.field))).toEqual([['trait:COMPUTE_STATUS_DISABLED', 'VCPU'], ['trait:COMPUTE_STATUS_DISABLED']]);
    // Answers are kept per host list and request: the same request on a fresh list gives the same answer, another request another.
    expect(computeCapacity([...hosts], request)).toEqual(capacity);
    expect(computeCapacity(hosts, capacityRequest(flavor('g', 64, 512, 1))).blocked).toEqual({ VCPU: 4, 'trait:COMPUTE_STATUS_DISABLED': 2 });
  });

  it('§2.6 §4.7 device-model traits add a blocker on hosts that report the family but lack the trait, counted with the others', () => {
    const vifTraits = (traits: string[]) => ['COMPUTE_STATUS_ENABLED', ...traits];
    const hosts = () => [
      host('a-lacks', { traits: vifTraits(['COMPUTE_NET_VIF_MODEL_VIRTIO']) }),
      host('b-lacks-and-full', { traits: vifTraits(['COMPUTE_NET_VIF_MODEL_VIRTIO']), vcpus: 1, usages: { VCPU: 16 } }),
      host('c-silent', { traits: vifTraits([]) }),
      host('d-has', { traits: vifTraits(['COMPUTE_NET_VIF_MODEL_VIRTIO', 'COMPUTE_NET_VIF_MODEL_E1000']) }),
    ];
    const base = capacityRequest(flavor('f', 1, 512, 1));
    const e1000: CapacityRequest = { ...base, deviceTraits: [{ trait: 'COMPUTE_NET_VIF_MODEL_E1000', familyPrefix: 'COMPUTE_NET_VIF_MODEL_', property: 'hw_vif_model' }] };
    const capacity = computeCapacity(hosts(), e1000);
    expect(capacity.hosts.map((h) => h.host)).toEqual(['c-silent', 'd-has']);
    expect(capacity.blocked).toEqual({ hw_vif_model: 2, VCPU: 1 });
    // Each host that fits: MEMORY_MB (65536 − 512) × 1.5 / 512 = 190 instances (VCPU would allow 32 × 16).
    expect(capacity.totalInstances).toBe(2 * 190);
    expect(capacity.blockedExamples.map((h) => [h.host, h.blockers.map((b) => b.field)])).toEqual([
      ['a-lacks', ['hw_vif_model']],
      ['b-lacks-and-full', ['hw_vif_model', 'VCPU']],
    ]);
    // The same whether the request without device traits was answered before on these hosts or not.
    const again = hosts();
    expect(computeCapacity(again, base).blocked).toEqual({ VCPU: 1 });
    expect(computeCapacity(again, e1000)).toEqual(capacity);
  });

  describe('the answer stays small: hosts that fit listed up to capacityHosts, the rest summed', () => {
    // VCPU capacity vcpus × 16, MEMORY_MB (65536 − 512) × 1.5, DISK_GB 1000: 1 vCPU / 512 MB / 1 GB ⇒ instances = vcpus × 16.
    const hosts = [host('d', { vcpus: 1 }), host('a', { vcpus: 2 }), host('c', { vcpus: 2 }), host('b', { vcpus: 4 }),
      host('full', { vcpus: 1, usages: { VCPU: 16 } }), host('off', { traits: ['COMPUTE_STATUS_DISABLED'] })];
    const small = (capacityHosts?: number) => computeCapacity(hosts, { ...capacityRequest(flavor('f', 1, 512, 1)), capacityHosts });

    it('§4.7 most instances first, ties by name, capped; totals over every host that fits', () => {
      const capacity = small(2);
      expect(capacity.hosts.map((h) => [h.host, h.instances])).toEqual([['b', 64], ['a', 32]]);
      expect([capacity.hostsChecked, capacity.hostsThatFit, capacity.totalInstances]).toEqual([6, 4, 64 + 32 + 32 + 16]);
      expect(capacity.free).toEqual({ DISK_GB: 4000, MEMORY_MB: 4 * 97536, VCPU: (4 + 2 + 2 + 1) * 16 });
      expect(small().hosts.map((h) => h.host)).toEqual(['b', 'a', 'c', 'd']);
      expect(small(0).hosts).toEqual([]);
    });

    it('§4.7 §2.5 hosts that do not fit are counted per blocker, with examples by name', () => {
      const capacity = small(2);
      expect(capacity.blocked).toEqual({ VCPU: 1, 'trait:COMPUTE_STATUS_DISABLED': 1 });
      expect(capacity.blockedExamples.map((h) => [h.host, h.instances, h.blockers.map((b) => b.message)])).toEqual([
        ['full', 0, ['full: VCPU needs 1, 0 free.']],
        ['off', 0, ['off has forbidden trait COMPUTE_STATUS_DISABLED.']],
      ]);
    });
  });
});
