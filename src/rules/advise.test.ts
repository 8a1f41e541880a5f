import { describe, expect, it } from 'vitest';
import { FINDINGS, WORKLOAD_PROFILES, advise, defaultRuleContext, validate, verdictOf, type RuleContext } from './index.ts';
import { makeFinding } from './findings/catalog.ts';
import { LAB_FLAVORS, LAB_IMAGES, flavor, host, image, labSnapshot, pciProvider, request, snapshot } from './test-fixtures.ts';
import type { HostFacts, WorkloadProfile } from '../model/index.ts';

const lab = labSnapshot();
const ctx = (facts: Partial<HostFacts> = {}): RuleContext => {
  const base = defaultRuleContext();
  return { ...base, hostFacts: { ...base.hostFacts, ...facts } };
};
const UBUNTU = image({ os_distro: 'ubuntu22.04' });
const M4 = flavor('m4', 4, 4096, 10);

describe('verdict', () => {
  it.each([
    { severities: [] as const, verdict: 'pass' },
    { severities: ['info'] as const, verdict: 'pass' },
    { severities: ['info', 'warning'] as const, verdict: 'warn' },
    { severities: ['warning', 'error'] as const, verdict: 'fail' },
  ])('any error ⇒ fail, any warning ⇒ warn: $severities → $verdict', ({ severities, verdict }) => {
    const byseverity = { error: 'ide-on-q35', warning: 'unknown-guest-os', info: 'rng-model-no-effect' } as const;
    expect(verdictOf(severities.map((s) => makeFinding(byseverity[s], null, s, [])))).toBe(verdict);
  });
});

describe('findings catalog', () => {
  it('ids are unique, kebab-case, and each cites domain.md', () => {
    const ids = FINDINGS.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const finding of FINDINGS) {
      expect(finding.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(finding.source).toMatch(/^domain\.md §\d/);
      expect(finding.trigger.length).toBeGreaterThan(10);
      expect(finding.remedy.length).toBeGreaterThan(5);
    }
  });

  it.each<{ name: string; specs: Record<string, string>; id: string }>([
    { name: 'hw:vif_model in a flavor', specs: { 'hw:vif_model': 'virtio' }, id: 'flavor-device-model-extra-spec' },
    { name: 'bad alias syntax', specs: { 'pci_passthrough:alias': 'sriov-nic' }, id: 'pci-alias-syntax-invalid' },
    { name: 'bad group_policy', specs: { group_policy: 'spread' }, id: 'group-policy-invalid' },
  ])('§1.5 flavor: $name → $id', ({ specs, id }) => {
    const result = validate(lab, { properties: {}, flavor: flavor('f', 2, 1024, 1, specs) }, ctx());
    expect(result.findings.map((f) => f.id)).toContain(id);
    expect(result.verdict).toBe('fail');
  });

  it.each<{ name: string; props: Record<string, string> }>([
    { name: 'hw_viommu_model', props: { hw_viommu_model: 'intel' } },
    { name: 'armv7l', props: { hw_architecture: 'armv7l' } },
    { name: 'hw_emulation_architecture sparc64', props: { hw_emulation_architecture: 'sparc64' } },
  ])('§2.5 with the prefilter on, $name disables it', ({ props }) => {
    const on = validate(lab, { properties: props, flavor: null }, ctx({ imageMetadataPrefilter: true }));
    expect(on.findings.map((f) => f.id)).toContain('prefilter-disabled-by-property');
    const off = validate(lab, { properties: props, flavor: null }, ctx());
    expect(off.findings.map((f) => f.id)).not.toContain('prefilter-disabled-by-property');
  });

  it.each<{ name: string; props: Record<string, string>; id: string; present: boolean }>([
    { name: 'architecture amd64 is canonicalised', props: { architecture: 'amd64' }, id: 'image-property-invalid-value', present: false },
    { name: 'architecture risc-v is not Nova\'s', props: { architecture: 'risc-v' }, id: 'image-property-invalid-value', present: true },
    { name: 'hw_rng_model no effect', props: { hw_rng_model: 'virtio' }, id: 'rng-model-no-effect', present: true },
  ])('§1.2 §1.4 $name', ({ props, id, present }) => {
    const found = validate(lab, { properties: props, flavor: null }, ctx()).findings.map((f) => f.id).includes(id);
    expect(found).toBe(present);
  });

  it('§1.1 findings are sorted errors first, then by id', () => {
    const { findings } = validate(lab, { properties: { hw_disk_bus: 'ide', hw_machine_type: 'q35', hw_rng_model: 'virtio', os_distro: 'plan9' }, flavor: null }, ctx());
    const order = { error: 0, warning: 1, info: 2 };
    const keys = findings.map((f) => `${order[f.severity]}${f.id}`);
    expect(keys).toEqual([...keys].sort());
  });
});

describe('workload profiles', () => {
  const names: WorkloadProfile[] = ['general', 'network-throughput', 'nfv-dataplane', 'storage-heavy', 'legacy-guest', 'pci-passthrough'];

  it('every profile is defined once with a description', () => {
    expect(WORKLOAD_PROFILES.map((p) => p.name).sort()).toEqual([...names].sort());
    for (const profile of WORKLOAD_PROFILES) expect(profile.description.length).toBeGreaterThan(20);
  });

  const answer = (workload: WorkloadProfile, snap = lab) => {
    const advice = advise(snap, request(UBUNTU, M4, { workload }), ctx());
    return Object.fromEntries([...advice.imageProperties, ...advice.flavorExtraSpecs].map((r) => [r.key, r.value]));
  };

  it.each([
    { workload: 'general', expected: { hw_vif_model: 'virtio', hw_disk_bus: 'virtio' } },
    { workload: 'network-throughput', expected: { hw_vif_model: 'virtio', hw_disk_bus: 'virtio', hw_vif_multiqueue_enabled: 'true' } },
    { workload: 'storage-heavy', expected: { hw_vif_model: 'virtio', hw_disk_bus: 'scsi', hw_scsi_model: 'virtio-scsi' } },
    // Ubuntu 22.04 drives e1000 and e1000e (§3.3); lab-compute-2 lacks COMPUTE_NET_VIF_MODEL_E1000 (§2.6).
    { workload: 'legacy-guest', expected: { hw_vif_model: 'e1000e', hw_disk_bus: 'ide' } },
  ] as const)('§2.2 §2.3 §8 $workload on Ubuntu 22.04', ({ workload, expected }) => {
    expect(answer(workload)).toEqual(expected);
  });

  it('§2.2 §4 nfv-dataplane: VFs by alias, huge pages, dedicated CPUs, multiqueue', () => {
    expect(answer('nfv-dataplane')).toEqual({
      hw_vif_model: 'virtio', hw_disk_bus: 'virtio', hw_vif_multiqueue_enabled: 'true',
      'hw:cpu_policy': 'dedicated', 'hw:mem_page_size': 'large', 'pci_passthrough:alias': 'pci-nic-vf:2',
    });
  });

  it('§2.2 nfv-dataplane on OVS-DPDK hosts: vhost-user instead of VFs', () => {
    const advice = advise(lab, request(UBUNTU, M4, { workload: 'nfv-dataplane' }), ctx({ ovsDpdk: true }));
    expect(advice.flavorExtraSpecs.map((r) => r.key)).not.toContain('pci_passthrough:alias');
    expect(advice.flavorExtraSpecs.find((r) => r.key === 'hw:mem_page_size')?.reason).toMatch(/vhost-user/);
  });

  it('§4.4 nfv-dataplane with direct ports: VFs come from Neutron, not from an alias', () => {
    const advice = advise(lab, request(UBUNTU, M4, { workload: 'nfv-dataplane', vnicType: 'direct' }), ctx());
    expect(advice.pciAliases).toEqual([]);
    expect(advice.findings.map((f) => f.id)).toEqual(expect.arrayContaining(['neutron-sriov-not-in-placement', 'vif-model-irrelevant-for-vnic-type']));
  });

  it('§1.2 §4.2 pci-passthrough picks the GPU as type-PCI and turns the emulated video off', () => {
    const gpuCloud = snapshot([host('g1', { pci: [
      pciProvider('g1', '0000:3b:00.0', 'CUSTOM_PCI_10DE_1EB8', 1, 0, []),
      pciProvider('g1', '0000:5e:00.0', 'CUSTOM_PCI_8086_1572', 1, 0, []),
    ] })]);
    const advice = advise(gpuCloud, request(UBUNTU, M4, { workload: 'pci-passthrough' }), ctx());
    expect(advice.pciAliases.map((a) => a.novaConf)).toEqual([
      '{"name":"nvidia-tesla-t4","vendor_id":"10de","product_id":"1eb8","device_type":"type-PCI"}',
    ]);
    expect(advice.flavorExtraSpecs.find((r) => r.key === 'pci_passthrough:alias')?.value).toBe('nvidia-tesla-t4:1');
    expect(advice.imageProperties.find((r) => r.key === 'hw_video_model')?.value).toBe('none');
    expect(advice.capacity?.totalInstances).toBe(1);
  });

  it('§4.5 §4.7 request pci by vendor/product id no provider has: a finding, and capacity unknown rather than 0 (pci_in_placement off)', () => {
    const advice = advise(lab, request(UBUNTU, M4, { pci: [{ vendorId: '15b3', productId: '101e', count: 1 }] }), ctx());
    expect(advice.findings.map((f) => f.id)).toContain('pci-device-not-in-placement');
    expect(advice.findings.map((f) => f.id)).not.toContain('no-host-fits');
    expect([advice.capacity?.fits, advice.capacity?.unknown.map((u) => u.field)]).toEqual(['unknown', ['CUSTOM_PCI_15B3_101E']]);
  });

  it('§4.2 unresolvable flavor alias is a finding; a request mapping resolves it', () => {
    const odd = flavor('odd', 2, 2048, 10, { 'pci_passthrough:alias': 'fastpath:1' });
    expect(advise(lab, request(UBUNTU, odd), ctx()).findings.map((f) => f.id)).toContain('pci-alias-unresolved');
    const mapped = advise(lab, request(UBUNTU, odd, { aliasResourceClasses: { fastpath: 'CUSTOM_PCI_NIC_VF' } }), ctx());
    expect(mapped.pciAliases[0]?.alias.resource_class).toBe('CUSTOM_PCI_NIC_VF');
    expect(mapped.capacity?.totalInstances).toBe(2);
  });
});

describe('advise output', () => {
  it('§1.2 every recommendation has current, reason and evidence', () => {
    const advice = advise(lab, request(LAB_IMAGES.windows, LAB_FLAVORS.sriov, { workload: 'nfv-dataplane' }), ctx());
    for (const r of [...advice.imageProperties, ...advice.flavorExtraSpecs]) {
      expect(r.reason).toMatch(new RegExp(`^Set ${r.key}=`));
      expect(r.evidence.length).toBeGreaterThan(0);
      expect(r).toHaveProperty('current');
    }
  });

  it('§3.4 Windows from os_type only gets os_type kept; Glance windows without os_type gets it advised', () => {
    const advice = advise(lab, request(image({ os_distro: 'windows', os_version: '2019' }), null), ctx());
    expect(advice.imageProperties.find((r) => r.key === 'os_type')?.value).toBe('windows');
  });

  it('is deterministic', () => {
    const run = () => JSON.stringify(advise(lab, request(LAB_IMAGES.rhel, LAB_FLAVORS.sriov, { workload: 'network-throughput' }), ctx()));
    expect(run()).toBe(run());
  });

  it('§3.2 the lab RHEL 9 image: e1000 is allowed but virtio advised', () => {
    const advice = advise(lab, request(LAB_IMAGES.rhel, LAB_FLAVORS.pf), ctx());
    const nic = advice.imageProperties.find((r) => r.key === 'hw_vif_model')!;
    expect([nic.value, nic.current]).toEqual(['virtio', 'e1000']);
    expect(advice.imageProperties.find((r) => r.key === 'hw_disk_bus')?.value).toBe('virtio');
  });
});
