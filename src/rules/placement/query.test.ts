import { describe, expect, it } from 'vitest';
import type { PciDemand } from './capacity.ts';
import { DEFAULT_HOST_FACTS } from '../facts/host-facts.ts';
import { parseCpuSpec, placementQuery, prefilterTraits, type PlacementQueryContext } from './query.ts';
import { LAB_FLAVORS, LAB_IMAGES, flavor } from '../test-fixtures.ts';
import type { Flavor } from '../../model/index.ts';

const ctx = (extra: Partial<PlacementQueryContext> & { prefilter?: boolean; pciInPlacement?: boolean } = {}): PlacementQueryContext => ({
  facts: { ...DEFAULT_HOST_FACTS, imageMetadataPrefilter: extra.prefilter ?? false, pciInPlacement: extra.pciInPlacement ?? false },
  pci: extra.pci ?? [],
  bootFromVolume: extra.bootFromVolume ?? false,
});
const unsuffixed = (fl: Flavor, props: Record<string, string> = {}, c = ctx()) => placementQuery(fl, { properties: props }, c).groups.find((g) => g.suffix === '');

describe('flavor → resources, as NOVA scheduler/utils.py ResourceRequest.from_request_spec', () => {
  it.each<{ name: string; fl: Flavor; props?: Record<string, string>; bfv?: boolean; resources: Record<string, number> }>([
    { name: '§1.5 plain flavor', fl: flavor('f', 2, 1024, 10), resources: { DISK_GB: 10, MEMORY_MB: 1024, VCPU: 2 } },
    { name: '§1.5 swap MB rounds up to whole GB, plus ephemeral', fl: flavor('f', 2, 1024, 10, {}, { ephemeralGb: 5, swapMb: 1500 }), resources: { DISK_GB: 17, MEMORY_MB: 1024, VCPU: 2 } },
    { name: '§1.5 boot from volume: no root_gb', fl: flavor('f', 2, 1024, 10, {}, { swapMb: 512 }), bfv: true, resources: { DISK_GB: 1, MEMORY_MB: 1024, VCPU: 2 } },
    { name: '§1.5 boot from volume, nothing local: no DISK_GB at all', fl: flavor('f', 2, 1024, 10), bfv: true, resources: { MEMORY_MB: 1024, VCPU: 2 } },
    { name: '§1.5 hw:cpu_policy=dedicated ⇒ PCPU instead of VCPU', fl: LAB_FLAVORS.pinned, resources: { DISK_GB: 20, MEMORY_MB: 4096, PCPU: 4 } },
    { name: '§1.5 dedicated + emulator_threads_policy=isolate ⇒ one more PCPU', fl: flavor('f', 4, 1024, 1, { 'hw:cpu_policy': 'dedicated', 'hw:emulator_threads_policy': 'isolate' }), resources: { DISK_GB: 1, MEMORY_MB: 1024, PCPU: 5 } },
    { name: '§1.5 image hw_cpu_policy=dedicated counts when the flavor is silent', fl: flavor('f', 2, 1024, 1), props: { hw_cpu_policy: 'dedicated' }, resources: { DISK_GB: 1, MEMORY_MB: 1024, PCPU: 2 } },
    { name: '§1.5 mixed: dedicated mask ^0 of 4 ⇒ 3 PCPU + 1 VCPU', fl: flavor('f', 4, 1024, 1, { 'hw:cpu_policy': 'mixed', 'hw:cpu_dedicated_mask': '^0' }), resources: { DISK_GB: 1, MEMORY_MB: 1024, PCPU: 3, VCPU: 1 } },
    { name: '§1.5 resources:VCPU=0 drops VCPU (override wins, zeros stripped)', fl: flavor('f', 2, 1024, 1, { 'resources:VCPU': '0', 'resources:CUSTOM_X': '1' }), resources: { CUSTOM_X: 1, DISK_GB: 1, MEMORY_MB: 1024 } },
    { name: '§1.5 resources:DISK_GB override', fl: flavor('f', 2, 1024, 40, { 'resources:DISK_GB': '5' }), resources: { DISK_GB: 5, MEMORY_MB: 1024, VCPU: 2 } },
    { name: '§1.5 a numbered VCPU group means no default unsuffixed VCPU', fl: flavor('f', 2, 1024, 1, { 'resources1:VCPU': '2' }), resources: { DISK_GB: 1, MEMORY_MB: 1024 } },
    { name: '§1.5 negative and non-integer amounts are skipped', fl: flavor('f', 2, 1024, 1, { 'resources:VCPU': '-1', 'resources:MEMORY_MB': 'lots' }), resources: { DISK_GB: 1, MEMORY_MB: 1024, VCPU: 2 } },
    { name: '§1.3 hw:mem_encryption ⇒ MEM_ENCRYPTION_CONTEXT:1', fl: flavor('f', 1, 512, 1, { 'hw:mem_encryption': 'true' }), resources: { DISK_GB: 1, MEMORY_MB: 512, MEM_ENCRYPTION_CONTEXT: 1, VCPU: 1 } },
  ])('$name', ({ fl, props, bfv, resources }) => {
    expect(unsuffixed(fl, props, ctx({ bootFromVolume: bfv ?? false }))?.resources).toEqual(resources);
  });

  it.each<{ name: string; specs: Record<string, string>; required: string[]; forbidden: string[] }>([
    { name: '§1.5 thread policy isolate ⇒ !HW_CPU_HYPERTHREADING', specs: { 'hw:cpu_policy': 'dedicated', 'hw:cpu_thread_policy': 'isolate' }, required: [], forbidden: ['HW_CPU_HYPERTHREADING'] },
    { name: '§1.5 thread policy require ⇒ HW_CPU_HYPERTHREADING', specs: { 'hw:cpu_policy': 'dedicated', 'hw:cpu_thread_policy': 'require' }, required: ['HW_CPU_HYPERTHREADING'], forbidden: [] },
    { name: '§1.5 thread policy prefer ⇒ nothing', specs: { 'hw:cpu_policy': 'dedicated', 'hw:cpu_thread_policy': 'prefer' }, required: [], forbidden: [] },
    { name: '§1.5 trait:X=required / forbidden', specs: { 'trait:CUSTOM_A': 'required', 'trait:CUSTOM_B': 'forbidden', 'trait:CUSTOM_C': 'maybe' }, required: ['CUSTOM_A'], forbidden: ['CUSTOM_B'] },
    { name: '§1.3 hw:pci_numa_affinity_policy=socket ⇒ COMPUTE_SOCKET_PCI_NUMA_AFFINITY', specs: { 'hw:pci_numa_affinity_policy': 'socket' }, required: ['COMPUTE_SOCKET_PCI_NUMA_AFFINITY'], forbidden: [] },
  ])('$name', ({ specs, required, forbidden }) => {
    const group = unsuffixed(flavor('f', 2, 1024, 1, specs));
    expect([group?.required, group?.forbidden]).toEqual([required, forbidden]);
  });

  it('§1.1 §1.4 image trait:X=required goes to the unsuffixed group, other values do not count', () => {
    expect(unsuffixed(flavor('f', 1, 512, 1), { 'trait:CUSTOM_GPU': 'required', 'trait:CUSTOM_NO': 'forbidden' })?.required).toEqual(['CUSTOM_GPU']);
  });

  it('§5.5 the cpu spec syntax (ranges, exclusions)', () => {
    expect([...parseCpuSpec('0-3,^2,5')]).toEqual([0, 1, 3, 5]);
  });
});

describe('PCI groups, group_policy, root traits and the query string', () => {
  const vf = { resourceClass: 'CUSTOM_PCI_NIC_VF', count: 2, requiredTraits: ['HW_NIC_SRIOV'] };

  it('§4.6 lab.sriov with pci_in_placement: two groups of 1, group_policy=none, exact query', () => {
    const q = placementQuery(LAB_FLAVORS.sriov, LAB_IMAGES.ubuntu, ctx({ pciInPlacement: true, pci: [vf] }));
    expect(q.groups.map((g) => [g.suffix, g.resources, g.required, g.checkedBy])).toEqual([
      ['', { DISK_GB: 10, MEMORY_MB: 2048, VCPU: 2 }, [], 'placement'],
      ['1', { CUSTOM_PCI_NIC_VF: 1 }, ['HW_NIC_SRIOV'], 'placement'],
      ['2', { CUSTOM_PCI_NIC_VF: 1 }, ['HW_NIC_SRIOV'], 'placement'],
    ]);
    expect(q.groupPolicy).toBe('none');
    expect(decodeURIComponent(q.query)).toBe(
      'group_policy=none&limit=1000&required1=HW_NIC_SRIOV&required2=HW_NIC_SRIOV&resources=DISK_GB:10,MEMORY_MB:2048,VCPU:2'
      + '&resources1=CUSTOM_PCI_NIC_VF:1&resources2=CUSTOM_PCI_NIC_VF:1&root_required=!COMPUTE_STATUS_DISABLED');
  });

  it.each<{ name: string; pci: PciDemand[]; specs: Record<string, string>; policy: string | null }>([
    { name: '§4.6 one device: no group_policy sent', pci: [{ ...vf, count: 1 }], specs: {}, policy: null },
    { name: '§4.6 flavor group_policy=isolate wins', pci: [vf], specs: { group_policy: 'isolate' }, policy: 'isolate' },
    { name: '§4.6 an invalid group_policy is ignored, Nova defaults none', pci: [vf], specs: { group_policy: 'spread' }, policy: 'none' },
    { name: '§4.6 two flavor numbered groups without policy: none is not defaulted', pci: [], specs: { 'resources1:CUSTOM_A': '1', 'resources2:CUSTOM_B': '1' }, policy: null },
  ])('$name', ({ pci, specs, policy }) => {
    expect(placementQuery(flavor('f', 2, 1024, 1, specs), { properties: {} }, ctx({ pciInPlacement: true, pci })).groupPolicy).toBe(policy);
  });

  it('§4.5 pci_in_placement off: the devices are PciPassthroughFilter-only and not in the query', () => {
    const q = placementQuery(LAB_FLAVORS.sriov, LAB_IMAGES.ubuntu, ctx({ pci: [vf] }));
    expect(q.groups.filter((g) => g.checkedBy === 'pci-passthrough-filter')).toHaveLength(2);
    expect(q.query).not.toMatch(/resources1|group_policy/);
  });

  it('§4.6 numbering continues after the flavor\'s own numbered groups', () => {
    const q = placementQuery(flavor('f', 1, 512, 1, { 'resources3:CUSTOM_A': '1', group_policy: 'none' }), { properties: {} }, ctx({ pciInPlacement: true, pci: [{ ...vf, count: 1 }] }));
    expect(q.groups.map((g) => g.suffix)).toEqual(['', '3', '4']);
  });

  it.each([
    { name: '§2.5 prefilter off: no image traits', props: LAB_IMAGES.ubuntu.properties, prefilter: false, root: [] },
    { name: '§2.5 prefilter on: NIC model and disk bus become root_required', props: LAB_IMAGES.ubuntu.properties, prefilter: true, root: ['COMPUTE_NET_VIF_MODEL_VIRTIO', 'COMPUTE_STORAGE_BUS_SCSI'] },
    { name: '§2.5 spapr-vlan ⇒ _SPAPR_VLAN, legacy architecture ⇒ HW_ARCH', props: { hw_vif_model: 'spapr-vlan', architecture: 'x86_64' }, prefilter: true, root: ['COMPUTE_NET_VIF_MODEL_SPAPR_VLAN', 'HW_ARCH_X86_64'] },
    { name: '§2.5 §7 surprise 4 hw_viommu_model disables the whole prefilter', props: { hw_vif_model: 'virtio', hw_viommu_model: 'intel' }, prefilter: true, root: [] },
    { name: '§2.5 hw_architecture=armv7l disables it too', props: { hw_disk_bus: 'virtio', hw_architecture: 'armv7l' }, prefilter: true, root: [] },
    { name: '§1.3 §2.5 packed ring is required even with the prefilter off', props: { hw_virtio_packed_ring: 'true' }, prefilter: false, root: ['COMPUTE_NET_VIRTIO_PACKED'] },
  ])('$name', ({ props, prefilter, root }) => {
    const q = placementQuery(flavor('f', 1, 512, 1), { properties: props }, ctx({ prefilter }));
    expect(q.rootRequired).toEqual(root);
    expect(q.rootForbidden).toEqual(['COMPUTE_STATUS_DISABLED']);
  });

  it('§2.5 prefilterTraits names the invalid computed traits', () => {
    expect(prefilterTraits({ hw_viommu_model: 'intel', hw_emulation_architecture: 'sparc', hw_vif_model: 'e1000' })).toEqual({
      traits: ['COMPUTE_NET_VIF_MODEL_E1000'], invalid: ['COMPUTE_ARCH_SPARC', 'COMPUTE_VIOMMU_INTEL'],
    });
  });
});
