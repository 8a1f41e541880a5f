// One instance's allocation (provider → units, group_policy respected), reserved inventory named as the blocker,
// devices Placement does not show answered "unknown", and what the PCI devices alone allow (domain.md §4.5–§4.7).
import { describe, expect, it } from 'vitest';
import { computeCapacity, instanceAllocation, type CapacityRequest, type PciDemand } from './capacity.ts';
import { DEFAULT_HOST_FACTS } from '../facts/host-facts.ts';
import { placementQuery } from './query.ts';
import { advise, defaultRuleContext, preview, type RuleContext } from '../index.ts';
import { LAB_FLAVORS, LAB_IMAGES, flavor, host, inventory, labSnapshot, pciProvider, request, snapshot } from '../test-fixtures.ts';
import type { CloudSnapshot, Flavor, HostFacts, Inventory } from '../../model/index.ts';

const ctx = (facts: Partial<HostFacts> = {}): RuleContext => {
  const base = defaultRuleContext();
  return { ...base, hostFacts: { ...base.hostFacts, ...facts } };
};
const VF = 'CUSTOM_PCI_8086_154C';
const f = flavor('f', 2, 2048, 10);
const capacityRequest = (fl: Flavor, pci: PciDemand[], pciInPlacement = true): CapacityRequest => ({
  query: placementQuery(fl, { properties: {} }, { facts: { ...DEFAULT_HOST_FACTS, pciInPlacement }, pci }), deviceTraits: [],
});
/** Provider name → units of each class, the way GET /allocations/{consumer} lists a consumer's allocations. */
const shape = (allocation: ReturnType<typeof instanceAllocation>) =>
  allocation && Object.fromEntries(allocation.allocations.map((a) => [a.provider, a.resources]));

/** The lab before lab-pci-vm was booted: the usages of its consumer (lab README) taken off lab-compute-1. */
function labBeforeBoot(): CloudSnapshot {
  const lab = labSnapshot();
  return { ...lab, hosts: lab.hosts.map((h) => (h.name === 'lab-compute-1'
    ? { ...h, usages: {}, pciProviders: h.pciProviders.map((p) => ({ ...p, used: 0 })) }
    : h)) };
}

describe('the allocation of one instance', () => {
  it('§4.5 §4.6 §4.7 lab.sriov before the lab\'s boot: root VCPU 2 / MEMORY_MB 2048 / DISK_GB 10 and one VF on each of lab-compute-1\'s VF providers, the only way', () => {
    // What the lab README records for lab-pci-vm's consumer (GET /allocations/{server uuid}).
    const allocation = advise(labBeforeBoot(), request(LAB_IMAGES.ubuntu, LAB_FLAVORS.sriov), ctx()).capacity!.allocation!;
    expect(allocation.host).toBe('lab-compute-1');
    expect(shape(allocation)).toEqual({
      'lab-compute-1': { DISK_GB: 10, MEMORY_MB: 2048, VCPU: 2 },
      'lab-compute-1_0000:02:00.0': { CUSTOM_PCI_NIC_VF: 1 },
      'lab-compute-1_0000:03:00.0': { CUSTOM_PCI_NIC_VF: 1 },
    });
    expect(allocation.allocations[0]?.uuid).toBe('lab-compute-1');
    expect(allocation.allocations[0]?.groups).toEqual(['']);
    expect(allocation.unique).toBe(true);
    // Zed without pci_in_placement: the PCI claim takes the devices, the resource tracker records them.
    expect(allocation.reason).toContain('pci_in_placement off');
  });

  const one = (address: string, total: number, used = 0, traits: string[] = [], extra: Partial<Inventory> = {}) => pciProvider('h', address, VF, total, used, traits, extra);
  it.each<{ name: string; pci: ReturnType<typeof one>[]; count: number; policy?: 'isolate'; traits?: string[]; pciInPlacement?: boolean; expected: Record<string, number> | null; unique?: boolean }>([
    { name: 'none: one provider with 2 free takes both', pci: [one('0000:81:00.0', 2)], count: 2, expected: { 'h_0000:81:00.0': 2 }, unique: true },
    { name: 'none: two providers with 1 free each, one each', pci: [one('0000:81:00.0', 1), one('0000:82:00.0', 1)], count: 2, expected: { 'h_0000:81:00.0': 1, 'h_0000:82:00.0': 1 }, unique: true },
    { name: 'none: two providers with 2 free each, the first by name filled first, one of several', pci: [one('0000:82:00.0', 2), one('0000:81:00.0', 2)], count: 2, expected: { 'h_0000:81:00.0': 2 }, unique: false },
    { name: 'isolate: two providers with 2 free each, one on each, the only way', pci: [one('0000:81:00.0', 2), one('0000:82:00.0', 2)], count: 2, policy: 'isolate', expected: { 'h_0000:81:00.0': 1, 'h_0000:82:00.0': 1 }, unique: true },
    { name: 'isolate: three providers with 1 free, two devices, one of three ways', pci: [one('0000:81:00.0', 1), one('0000:82:00.0', 1), one('0000:83:00.0', 1)], count: 2, policy: 'isolate', expected: { 'h_0000:81:00.0': 1, 'h_0000:82:00.0': 1 }, unique: false },
    { name: 'isolate: one provider with 2 free cannot take two devices', pci: [one('0000:81:00.0', 2)], count: 2, policy: 'isolate', expected: null },
    { name: 'used units count: 2 of 3 used leaves the other provider', pci: [one('0000:81:00.0', 3, 2), one('0000:82:00.0', 1)], count: 2, expected: { 'h_0000:81:00.0': 1, 'h_0000:82:00.0': 1 }, unique: true },
    { name: 'reserved units count: reserved 1 of 2 leaves one', pci: [one('0000:81:00.0', 2, 0, [], { reserved: 1 }), one('0000:82:00.0', 1)], count: 2, expected: { 'h_0000:81:00.0': 1, 'h_0000:82:00.0': 1 }, unique: true },
    { name: 'alias traits: only the provider with them', pci: [one('0000:81:00.0', 4), one('0000:82:00.0', 4, 0, ['CUSTOM_RED'])], count: 2, traits: ['CUSTOM_RED'], expected: { 'h_0000:82:00.0': 2 }, unique: true },
    { name: 'pci_in_placement off: no group_policy, the PCI claim may pick either provider', pci: [one('0000:81:00.0', 2), one('0000:82:00.0', 2)], count: 2, policy: 'isolate', pciInPlacement: false, expected: { 'h_0000:81:00.0': 2 }, unique: false },
  ])('§4.6 §4.7 $name', ({ pci, count, policy, traits = [], pciInPlacement = true, expected, unique }) => {
    const hosts = [host('h', { pci })];
    const fl = policy ? flavor('f', 2, 2048, 10, { group_policy: policy }) : f;
    const req = capacityRequest(fl, [{ resourceClass: VF, count, requiredTraits: traits }], pciInPlacement);
    const allocation = computeCapacity(hosts, req).allocation;
    if (expected === null) {
      expect(allocation).toBeNull();
      return;
    }
    expect(shape(allocation)).toEqual({ h: { DISK_GB: 10, MEMORY_MB: 2048, VCPU: 2 }, ...Object.fromEntries(Object.entries(expected).map(([p, n]) => [p, { [VF]: n }])) });
    expect(allocation?.unique).toBe(unique);
    expect(allocation?.groupPolicy).toBe(req.query.groupPolicy);
    // Each numbered group on one provider: every suffix served exactly once.
    expect(allocation?.allocations.flatMap((a) => a.groups).sort()).toEqual(req.query.groups.map((g) => g.suffix).sort());
  });

  it('§4.6 §4.7 the preview of lab.sriov shows the same allocation on its best candidate; none once the VFs are taken', () => {
    const input = { image: LAB_IMAGES.ubuntu, flavor: LAB_FLAVORS.sriov, vnicType: 'normal' as const };
    const before = preview(labBeforeBoot(), input, ctx()).allocation;
    expect(before?.host).toBe('lab-compute-1');
    expect(shape(before)).toEqual(shape(advise(labBeforeBoot(), request(LAB_IMAGES.ubuntu, LAB_FLAVORS.sriov), ctx()).capacity!.allocation));
    // After the boot only lab-compute-2 has two free VFs.
    expect(preview(labSnapshot(), input, ctx()).allocation?.host).toBe('lab-compute-2');
    const pinned = preview(labSnapshot(), { ...input, flavor: LAB_FLAVORS.pinned }, ctx());
    expect([pinned.candidateHostCount, pinned.allocation]).toEqual([0, null]);
  });

  it('§4.6 §4.7 step 6 a wide tree (16 PFs × 8 free VFs, 8 devices, isolate): the first 8 providers by name, one of many', () => {
    const pci = Array.from({ length: 16 }, (_, i) => pciProvider('h', `0000:${(0x81 + i).toString(16)}:00.0`, VF, 8, 0, []));
    const req = capacityRequest(flavor('w', 2, 2048, 10, { group_policy: 'isolate' }), [{ resourceClass: VF, count: 8, requiredTraits: [] }]);
    const allocation = instanceAllocation([host('h', { pci })], req);
    expect(allocation?.allocations.slice(1).map((a) => [a.provider, a.resources[VF]])).toEqual(pci.slice(0, 8).map((p) => [p.name, 1]));
    expect(allocation?.unique).toBe(false);
  });

  it('§4.7 a named host: its own allocation, null where it does not fit', () => {
    const hosts = [host('a', { pci: [pciProvider('a', '0000:81:00.0', VF, 1, 0, [])] }), host('b', { pci: [pciProvider('b', '0000:81:00.0', VF, 4, 0, [])] }), host('c')];
    const req = capacityRequest(f, [{ resourceClass: VF, count: 1, requiredTraits: [] }]);
    expect(instanceAllocation(hosts, req)?.host).toBe('b');
    expect(shape(instanceAllocation(hosts, req, 'a'))).toEqual({ a: { DISK_GB: 10, MEMORY_MB: 2048, VCPU: 2 }, 'a_0000:81:00.0': { [VF]: 1 } });
    expect(instanceAllocation(hosts, req, 'c')).toBeNull();
    expect(instanceAllocation(hosts, req, 'nowhere')).toBeNull();
  });

  it('§1.5 §4.7 dedicated CPUs: PCPU on the root', () => {
    const h = host('h', { inventories: { PCPU: inventory(8), MEMORY_MB: inventory(65536), DISK_GB: inventory(1000) } });
    const allocation = computeCapacity([h], capacityRequest(flavor('p', 4, 4096, 20, { 'hw:cpu_policy': 'dedicated' }), [])).allocation;
    expect(shape(allocation)).toEqual({ h: { DISK_GB: 20, MEMORY_MB: 4096, PCPU: 4 } });
    expect(allocation?.unique).toBe(true);
  });
});

describe('reserved inventory named when it is the blocker', () => {
  it.each<{ name: string; vcpu: Inventory; used: number; id: string; message: string }>([
    { name: 'VCPU total 4, reserved 4: reserved holds back both', vcpu: inventory(4, { reserved: 4 }), used: 0, id: 'host-resource-reserved',
      message: 'h: VCPU needs 2, 0 free: reserved 4 (of total 4) holds back the units it needs.' },
    { name: 'VCPU total 4, reserved 1, used 2: 1 free, 2 without reserved', vcpu: inventory(4, { reserved: 1 }), used: 2, id: 'host-resource-reserved',
      message: 'h: VCPU needs 2, 1 free: reserved 1 (of total 4) holds back the units it needs.' },
    { name: 'VCPU total 4, reserved 1, used 3: even without reserved only 1', vcpu: inventory(4, { reserved: 1 }), used: 3, id: 'host-resource-insufficient',
      message: 'h: VCPU needs 2, 0 free.' },
  ])('§4.7 int((total − reserved) × ratio) − used: $name', ({ vcpu, used, id, message }) => {
    const h = host('h', { inventories: { VCPU: vcpu, MEMORY_MB: inventory(65536), DISK_GB: inventory(1000) }, usages: { VCPU: used } });
    const blocker = computeCapacity([h], capacityRequest(f, [])).blockedExamples[0]!.blockers[0]!;
    expect([blocker.id, blocker.field, blocker.message]).toEqual([id, 'VCPU', message]);
  });

  it.each<{ name: string; reserved: number; used: number; id: string }>([
    // Nova's one_time_use devices get reserved = total once allocated (§4.5).
    { name: 'a device reserved (one_time_use), none used', reserved: 1, used: 0, id: 'host-resource-reserved' },
    { name: 'a device used', reserved: 0, used: 1, id: 'host-pci-insufficient' },
  ])('§4.5 §4.7 PCI provider: $name', ({ reserved, used, id }) => {
    const h = host('h', { pci: [pciProvider('h', '0000:81:00.0', VF, 1, used, [], { reserved })] });
    const blocker = computeCapacity([h], capacityRequest(f, [{ resourceClass: VF, count: 1, requiredTraits: [] }])).blockedExamples[0]!.blockers[0]!;
    expect([blocker.id, blocker.field]).toEqual([id, VF]);
    if (reserved > 0) expect(blocker.message).toContain(`h_0000:81:00.0 ${VF} 1`);
  });
});

describe('"unknown", not "no", when the devices asked for are invisible to Placement', () => {
  const lab = labSnapshot();
  const gpu = flavor('gpu', 1, 512, 1, { 'pci_passthrough:alias': 'gpu:1' });
  it.each<{ name: string; snap: CloudSnapshot; fl: Flavor; facts: Partial<HostFacts>; extra: Parameters<typeof request>[2]; fits: string; unknown: string[]; hostsThatFit: number }>([
    { name: 'pci_in_placement off, no provider has the alias class (report_in_placement off, or physical_network): unknown, counted without it',
      snap: lab, fl: gpu, facts: {}, extra: { aliasResourceClasses: { gpu: 'CUSTOM_PCI_10DE_1EB8' } }, fits: 'unknown', unknown: ['CUSTOM_PCI_10DE_1EB8'], hostsThatFit: 2 },
    { name: 'pci_in_placement on: the class is in the query and Placement has none, so no host',
      snap: lab, fl: gpu, facts: { pciInPlacement: true }, extra: { aliasResourceClasses: { gpu: 'CUSTOM_PCI_10DE_1EB8' } }, fits: 'no', unknown: [], hostsThatFit: 0 },
    { name: 'no host reports any PCI provider (report_in_placement off everywhere): the request\'s X710 VF is unknown',
      snap: snapshot([host('a'), host('b')]), fl: flavor('f', 1, 512, 1), facts: {}, extra: { pci: [{ vendorId: '8086', productId: '154c', count: 1 }] }, fits: 'unknown', unknown: ['CUSTOM_PCI_8086_154C'], hostsThatFit: 2 },
    { name: 'Neutron SR-IOV ports (vnic_type direct): their VFs carry physical_network, never in Placement',
      snap: lab, fl: LAB_FLAVORS.tiny, facts: {}, extra: { vnicType: 'direct' }, fits: 'unknown', unknown: ['vnicType'], hostsThatFit: 2 },
    { name: 'devices Placement shows: known',
      snap: lab, fl: LAB_FLAVORS.sriov, facts: {}, extra: {}, fits: 'yes', unknown: [], hostsThatFit: 1 },
  ])('§4.4 §4.5 $name', ({ snap, fl, facts, extra, fits, unknown, hostsThatFit }) => {
    const capacity = advise(snap, request(LAB_IMAGES.ubuntu, fl, extra), ctx(facts)).capacity!;
    expect(capacity.fits).toBe(fits);
    expect(capacity.unknown.map((u) => u.field)).toEqual(unknown);
    expect(capacity.hostsThatFit).toBe(hostsThatFit);
    for (const u of capacity.unknown) expect(u.reason).toMatch(/physical_network/);
  });

  it('§4.5 the allocation leaves out what Placement does not show, and says so', () => {
    const capacity = advise(lab, request(LAB_IMAGES.ubuntu, gpu, { aliasResourceClasses: { gpu: 'CUSTOM_PCI_10DE_1EB8' } }), ctx()).capacity!;
    expect(Object.keys(shape(capacity.allocation)!)).toEqual([capacity.allocation!.host]);
    expect(capacity.allocation!.reason).toContain('CUSTOM_PCI_10DE_1EB8: not in Placement');
  });
});

describe('a blocker that is not PCI does not hide what the PCI devices alone allow', () => {
  it.each<{ name: string; fl: Flavor; blocked: Record<string, number>; hostsThatFit: number; pciOnly: { hostsThatFit: number; totalInstances: number } | null }>([
    // lab.pinned asks PCPU (no lab host has any) and sriov-nic:1; lab-compute-2 has its 2 VFs free, compute-1 none.
    { name: 'lab.pinned: PCPU blocks every host, the VFs alone fit 2 instances on lab-compute-2', fl: LAB_FLAVORS.pinned,
      blocked: { PCPU: 2, CUSTOM_PCI_NIC_VF: 1 }, hostsThatFit: 0, pciOnly: { hostsThatFit: 1, totalInstances: 2 } },
    { name: 'lab.sriov: the devices alone are what limits it', fl: LAB_FLAVORS.sriov,
      blocked: { CUSTOM_PCI_NIC_VF: 1 }, hostsThatFit: 1, pciOnly: { hostsThatFit: 1, totalInstances: 1 } },
    { name: 'lab.tiny: no PCI device asked', fl: LAB_FLAVORS.tiny, blocked: {}, hostsThatFit: 2, pciOnly: null },
  ])('§1.5 §4.7 $name', ({ fl, blocked, hostsThatFit, pciOnly }) => {
    const capacity = advise(labSnapshot(), request(LAB_IMAGES.ubuntu, fl), ctx()).capacity!;
    expect(capacity.blocked).toEqual(blocked);
    expect(capacity.hostsThatFit).toBe(hostsThatFit);
    expect(capacity.pciOnly).toEqual(pciOnly);
  });

  it('§4.6 isolate: the devices alone need distinct providers', () => {
    const hosts = [host('full', { vcpus: 1, usages: { VCPU: 16 }, pci: [pciProvider('full', '0000:81:00.0', VF, 2, 0, []), pciProvider('full', '0000:82:00.0', VF, 2, 0, [])] })];
    const capacity = computeCapacity(hosts, capacityRequest(flavor('i', 1, 512, 1, { group_policy: 'isolate' }), [{ resourceClass: VF, count: 2, requiredTraits: [] }]));
    expect([capacity.hostsThatFit, capacity.blocked]).toEqual([0, { VCPU: 1 }]);
    expect(capacity.pciOnly).toEqual({ hostsThatFit: 1, totalInstances: 2 });
  });
});
