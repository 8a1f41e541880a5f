// The Nova release an answer assumes (domain.md §5.3, §7) and the rules that follow it, release by release.
import { describe, expect, it } from 'vitest';
import { advise, checkPciConfig, defaultRuleContext, preview, validate, type RuleContext } from '../index.ts';
import { assumeRelease } from './release.ts';
import { LAB_FLAVORS, LAB_IMAGES, NO_APIS, ZED_APIS, flavor, host, image, labSnapshot, pciProvider, request, snapshot } from '../test-fixtures.ts';
import type { CloudSnapshot, NovaRelease } from '../../model/index.ts';

const apis = (computeMaxMicroversion: string | null) => ({ computeMaxMicroversion, placementMaxMicroversion: '1.39' });
const ctx = (extra: Partial<RuleContext> = {}, facts: Partial<RuleContext['hostFacts']> = {}): RuleContext => {
  const base = defaultRuleContext();
  return { ...base, ...extra, hostFacts: { ...base.hostFacts, ...facts } };
};
/** The lab as its sync reads it: Nova 26 Zed, compute max microversion 2.93. */
const zedLab = (): CloudSnapshot => ({ ...labSnapshot(), apis: ZED_APIS });
const declared = (novaRelease: NovaRelease, facts: Partial<RuleContext['hostFacts']> = {}) => ctx({ novaRelease }, facts);
const ids = (findings: { id: string }[]) => findings.map((f) => f.id);

describe('§5.3 the release from the compute API max microversion', () => {
  it.each<{ microversion: string | null; release: NovaRelease; from: string; candidates: NovaRelease[]; findings: string[] }>([
    { microversion: '2.88', release: 'wallaby', from: 'observed', candidates: ['wallaby'], findings: [] },
    { microversion: '2.90', release: 'xena', from: 'observed', candidates: ['xena', 'yoga'], findings: ['nova-release-ambiguous'] },
    { microversion: '2.93', release: 'zed', from: 'observed', candidates: ['zed'], findings: [] },
    { microversion: '2.95', release: '2023.1', from: 'observed', candidates: ['2023.1', '2023.2'], findings: ['nova-release-ambiguous'] },
    { microversion: '2.96', release: '2024.1', from: 'observed', candidates: ['2024.1', '2024.2'], findings: ['nova-release-ambiguous'] },
    { microversion: '2.100', release: '2025.1', from: 'observed', candidates: ['2025.1', '2025.2'], findings: ['nova-release-ambiguous'] },
    { microversion: '2.103', release: '2026.1', from: 'observed', candidates: ['2026.1'], findings: [] },
    { microversion: '2.104', release: 'master', from: 'observed', candidates: ['master'], findings: [] },
    { microversion: '2.94', release: 'zed', from: 'observed', candidates: ['zed'], findings: [] },
    { microversion: null, release: 'master', from: 'default', candidates: ['master'], findings: [] },
  ])('§5.3 max microversion $microversion ⇒ $release ($from)', ({ microversion, release, from, candidates, findings }) => {
    const answer = assumeRelease({ apis: apis(microversion), ownerNova: false });
    expect([answer.release.release, answer.release.from, answer.release.candidates, ids(answer.findings)]).toEqual([release, from, candidates, findings]);
  });

  it('§4.5 §7 OWNER_NOVA on a provider means master', () => {
    const answer = assumeRelease({ apis: apis('2.100'), ownerNova: true });
    expect([answer.release.release, answer.release.from, answer.findings]).toEqual(['master', 'observed', []]);
  });

  it('§5.3 a declared release wins, with a finding when the cloud shows another', () => {
    expect(assumeRelease({ declared: '2023.2', apis: apis('2.95'), ownerNova: false })).toMatchObject({ release: { release: '2023.2', from: 'declared', candidates: ['2023.1', '2023.2'] }, findings: [] });
    expect(ids(assumeRelease({ declared: 'master', apis: apis('2.93'), ownerNova: false }).findings)).toEqual(['nova-release-declared-differs']);
  });

  it('§5.3 a per-cloud declaration wins over the cloud-wide one', () => {
    const answer = validate(zedLab(), { properties: {}, flavor: null }, ctx({ novaRelease: 'master', novaReleaseByCloud: { [labSnapshot().cloud]: 'zed' } }));
    expect(answer.release).toMatchObject({ release: 'zed', from: 'declared' });
  });

  it('§5.3 every answer says which release it assumed: the lab is Zed, the demo-like cloud master by default', () => {
    const lab = zedLab();
    const input = { image: LAB_IMAGES.ubuntu, flavor: LAB_FLAVORS.tiny, vnicType: 'normal' as const };
    expect(advise(lab, request(LAB_IMAGES.ubuntu, LAB_FLAVORS.tiny), ctx()).release.evidence).toBe('compute API max microversion 2.93: Zed');
    expect(validate(lab, { properties: {}, flavor: null }, ctx()).release.release).toBe('zed');
    expect(preview(lab, input, ctx()).release.release).toBe('zed');
    expect(checkPciConfig(lab, { deviceSpecs: [], aliases: [] }, ctx()).release.release).toBe('zed');
    expect(advise(labSnapshot(), request(LAB_IMAGES.ubuntu, LAB_FLAVORS.tiny), ctx()).release).toMatchObject({ release: 'master', from: 'default' });
  });
});

describe('§4.2 [pci] alias advice follows the release', () => {
  it('§4.2 Zed: the lab\'s nic-pf alias has no resource_class / traits, and says the ids are to fill in', () => {
    const answer = advise(zedLab(), request(LAB_IMAGES.ubuntu, LAB_FLAVORS.pf), ctx());
    expect(answer.pciAliases.map((a) => a.novaConf)).toEqual(['{"name":"nic-pf","device_type":"type-PF"}']);
    expect(ids(answer.findings)).toContain('pci-alias-ids-unknown');
    expect(ids(answer.findings)).not.toContain('pci-alias-needs-pci-in-placement');
    expect(answer.findings.find((f) => f.id === 'pci-alias-ids-unknown')!.message).toContain('device_spec that sets resource_class CUSTOM_PCI_NIC_PF');
  });

  it.each<{ release: NovaRelease; json: string }>([
    { release: 'zed', json: '{"name":"nic-pf","device_type":"type-PF"}' },
    { release: '2023.1', json: '{"name":"nic-pf","device_type":"type-PF","resource_class":"CUSTOM_PCI_NIC_PF","traits":"CUSTOM_LAB_PF"}' },
    { release: 'master', json: '{"name":"nic-pf","device_type":"type-PF","resource_class":"CUSTOM_PCI_NIC_PF","traits":"CUSTOM_LAB_PF"}' },
  ])('§4.2 §7 alias resource_class / traits only from 2023.1: $release', ({ release, json }) => {
    expect(advise(zedLab(), request(LAB_IMAGES.ubuntu, LAB_FLAVORS.pf), declared(release)).pciAliases[0]!.novaConf).toBe(json);
  });
});

describe('§4.5 pci_in_placement exists from 2023.1', () => {
  it.each<{ release: NovaRelease; checkedBy: string; findings: string[] }>([
    { release: 'zed', checkedBy: 'pci-passthrough-filter', findings: ['pci-in-placement-unavailable'] },
    { release: '2023.1', checkedBy: 'placement', findings: [] },
  ])('§4.5 §7 declared pci_in_placement on $release ⇒ PCI checked by $checkedBy', ({ release, checkedBy, findings }) => {
    const answer = advise(zedLab(), request(LAB_IMAGES.ubuntu, LAB_FLAVORS.sriov), declared(release, { pciInPlacement: true }));
    expect(answer.preview!.placement.groups.filter((g) => g.suffix !== '').map((g) => g.checkedBy)).toEqual([checkedBy, checkedBy]);
    expect(ids(answer.findings).filter((id) => id === 'pci-in-placement-unavailable')).toEqual(findings);
  });

  it('§4.5 Zed: no advice mentions [filter_scheduler] pci_in_placement', () => {
    const answer = advise(zedLab(), request(LAB_IMAGES.ubuntu, LAB_FLAVORS.sriov), ctx());
    const text = JSON.stringify([answer.findings, answer.pciAliases]);
    expect(text).not.toContain('pci_in_placement=True');
    expect(ids(answer.findings)).not.toContain('pci-alias-needs-pci-in-placement');
  });
});

describe('§1.5 §7 the PCPU→VCPU fallback query', () => {
  it.each<{ release: NovaRelease; fit: boolean; finding: boolean }>([
    { release: 'zed', fit: true, finding: true },
    { release: 'master', fit: false, finding: false },
  ])('§1.5 §7 lab.pinned on hosts without PCPU, $release ⇒ fits: $fit', ({ release, fit, finding }) => {
    const answer = advise(zedLab(), request(LAB_IMAGES.ubuntu, LAB_FLAVORS.pinned), declared(release));
    expect(answer.capacity!.hostsThatFit > 0).toBe(fit);
    expect(ids(answer.findings).includes('pcpu-fallback-vcpu')).toBe(finding);
    expect(ids(answer.findings).includes('no-host-fits')).toBe(!fit);
    const p = preview(zedLab(), { image: LAB_IMAGES.ubuntu, flavor: LAB_FLAVORS.pinned, vnicType: 'normal' }, declared(release));
    expect(p.failures.some((f) => f.error === 'NoValidHost')).toBe(!fit);
  });

  it('§1.5 Zed: hosts reporting PCPU are held to the PCPU query, the others judged by VCPU', () => {
    const pinned = flavor('pinned', 4, 1024, 1, { 'hw:cpu_policy': 'dedicated' });
    const withPcpu = host('pcpu-host', { inventories: { PCPU: { total: 2, reserved: 0, minUnit: 1, maxUnit: 2, stepSize: 1, allocationRatio: 1 }, MEMORY_MB: { total: 8192, reserved: 0, minUnit: 1, maxUnit: 8192, stepSize: 1, allocationRatio: 1 }, DISK_GB: { total: 100, reserved: 0, minUnit: 1, maxUnit: 100, stepSize: 1, allocationRatio: 1 } } });
    const cloud = { ...snapshot([withPcpu, host('vcpu-host')]), apis: ZED_APIS, flavors: [pinned] };
    const capacity = advise(cloud, request(image({ os_distro: 'ubuntu', os_version: '22.04' }), pinned), ctx()).capacity!;
    expect(capacity.hosts.map((h) => h.host)).toEqual(['vcpu-host']);
    expect(capacity.blocked).toEqual({ PCPU: 1 });
  });
});

describe('§1.5 §3.1 the instances each emulated NIC would fit, with the PCPU→VCPU fallback', () => {
  it('§1.5 §3.1 Zed: counted on the PCPU host by the PCPU query and on the others by the VCPU one', () => {
    const pinned = flavor('pinned', 2, 1024, 10, { 'hw:cpu_policy': 'dedicated' });
    const exact = (total: number) => ({ total, reserved: 0, minUnit: 1, maxUnit: total, stepSize: 1, allocationRatio: 1 });
    const kvmWithout = (model: string) => ['COMPUTE_NODE', 'COMPUTE_NET_VIF_MODEL_VIRTIO', `COMPUTE_NET_VIF_MODEL_${model}`, 'COMPUTE_STORAGE_BUS_IDE', 'COMPUTE_STORAGE_BUS_SATA', 'COMPUTE_STORAGE_BUS_VIRTIO'];
    // PCPU 8 / 2, MEMORY_MB 8192 / 1024, DISK_GB 100 / 10: 4 instances, e1000e only.
    const pcpuHost = host('pcpu-host', { traits: kvmWithout('E1000E'), inventories: { PCPU: exact(8), MEMORY_MB: exact(8192), DISK_GB: exact(100) } });
    // host()'s inventories: VCPU 32 × 16 / 2 = 256, MEMORY_MB (65536 − 512) × 1.5 / 1024 = 95, DISK_GB 1000 / 10 = 100: 95 each.
    const cloud = { ...snapshot([pcpuHost, host('vcpu-e1000', { traits: kvmWithout('E1000') }), host('vcpu-e1000e', { traits: kvmWithout('E1000E') })]), apis: ZED_APIS, flavors: [pinned] };
    const answer = advise(cloud, request(image({ os_distro: 'windows', os_version: '2022' }), pinned), ctx());
    const nic = answer.imageProperties.find((r) => r.key === 'hw_vif_model')!;
    expect(nic.value).toBe('e1000e');
    expect(nic.reason).toContain('99 instance(s) fit with e1000e, 95 instance(s) fit with e1000');
    expect(answer.capacity!.totalInstances).toBe(99);
  });
});

describe('§4.1 §4.2 §4.5 pci-check follows the release', () => {
  // The lab's own lines: /var/lib/openstack-lab/etc/nova/nova.conf [pci] (they created the lab's providers).
  const LAB_DEVICE_SPECS = [
    '{"address": "0000:01:00.0", "resource_class": "CUSTOM_PCI_NIC_PF", "traits": "CUSTOM_LAB_PF"}',
    '{"address": "0000:02:00.1", "resource_class": "CUSTOM_PCI_NIC_VF", "traits": "HW_NIC_SRIOV,CUSTOM_LAB_VF"}',
    '{"address": "0000:03:00.1", "resource_class": "CUSTOM_PCI_NIC_VF", "traits": "HW_NIC_SRIOV,CUSTOM_LAB_VF"}',
  ];
  const LAB_ALIASES = [
    '{"name": "sriov-nic", "vendor_id": "8086", "product_id": "154c", "device_type": "type-VF"}',
    '{"name": "nic-pf", "vendor_id": "8086", "product_id": "1572", "device_type": "type-PF"}',
  ];

  it('§4.5 the lab\'s device_spec lines match the providers they created (VF providers named after the parent PF)', () => {
    const check = checkPciConfig(zedLab(), { deviceSpecs: LAB_DEVICE_SPECS, aliases: LAB_ALIASES }, ctx());
    expect(ids(check.findings)).not.toContain('pci-spec-matches-no-provider');
    expect(check.specs.map((s) => s.existingProviders.map((p) => [p.provider, p.unchanged]))).toEqual([
      [['lab-compute-1_0000:01:00.0', true], ['lab-compute-2_0000:01:00.0', true]],
      [['lab-compute-1_0000:02:00.0', true], ['lab-compute-2_0000:02:00.0', true]],
      [['lab-compute-1_0000:03:00.0', true], ['lab-compute-2_0000:03:00.0', true]],
    ]);
    expect(check.verdict).not.toBe('fail');
  });

  const ALIAS_PLACEMENT = '{"name":"nic-pf","device_type":"type-PF","resource_class":"CUSTOM_PCI_NIC_PF","traits":"CUSTOM_LAB_PF"}';
  const ALIAS_LM = '{"name":"sriov-nic","vendor_id":"8086","product_id":"154c","device_type":"type-VF","live_migratable":"yes"}';
  it.each<{ name: string; release: NovaRelease; alias: string; invalid: boolean }>([
    { name: '§4.2 Zed refuses alias resource_class / traits', release: 'zed', alias: ALIAS_PLACEMENT, invalid: true },
    { name: '§4.2 2023.1 accepts alias resource_class / traits', release: '2023.1', alias: ALIAS_PLACEMENT, invalid: false },
    { name: '§4.2 2024.2 refuses alias live_migratable', release: '2024.2', alias: ALIAS_LM, invalid: true },
    { name: '§4.2 2025.1 accepts alias live_migratable', release: '2025.1', alias: ALIAS_LM, invalid: false },
  ])('$name', ({ release, alias, invalid }) => {
    const check = checkPciConfig(zedLab(), { deviceSpecs: LAB_DEVICE_SPECS, aliases: [alias] }, declared(release, { pciInPlacement: true }));
    expect(ids(check.findings).includes('pci-alias-invalid')).toBe(invalid);
  });

  it('§4.2 the Zed refusal names the keys and the release', () => {
    const check = checkPciConfig(zedLab(), { deviceSpecs: [], aliases: [ALIAS_PLACEMENT] }, ctx());
    expect(check.findings.find((f) => f.id === 'pci-alias-invalid')!.message).toContain('unknown key "resource_class" (additionalProperties false; new in Nova 2023.1, Zed refuses it)');
  });

  it.each<{ name: string; release: NovaRelease; spec: string; ignored: boolean }>([
    { name: '§4.1 managed before 2025.1 is a plain tag', release: '2024.2', spec: '{"vendor_id": "8086", "product_id": "154c", "managed": "no"}', ignored: true },
    { name: '§4.1 managed from 2025.1', release: '2025.1', spec: '{"vendor_id": "8086", "product_id": "154c", "managed": "no"}', ignored: false },
    { name: '§4.1 live_migratable before 2025.1 is a plain tag', release: '2024.2', spec: '{"vendor_id": "8086", "product_id": "154c", "live_migratable": "yes"}', ignored: true },
    { name: '§4.1 live_migratable from 2025.1', release: '2025.1', spec: '{"vendor_id": "8086", "product_id": "154c", "live_migratable": "yes"}', ignored: false },
    { name: '§4.1 one_time_use before 2025.2 is a plain tag', release: '2025.1', spec: '{"vendor_id": "10de", "product_id": "1eb8", "one_time_use": "true"}', ignored: true },
    { name: '§4.1 one_time_use from 2025.2', release: '2025.2', spec: '{"vendor_id": "10de", "product_id": "1eb8", "one_time_use": "true"}', ignored: false },
  ])('$name ($release)', ({ release, spec, ignored }) => {
    const check = checkPciConfig(zedLab(), { deviceSpecs: [spec], aliases: [] }, declared(release));
    expect(ids(check.findings).includes('release-setting-ignored')).toBe(ignored);
  });

  it.each<{ release: NovaRelease; report: boolean; findings: string[] }>([
    { release: 'yoga', report: false, findings: ['release-setting-ignored'] },
    { release: 'zed', report: true, findings: [] },
  ])('§4.5 §7 report_in_placement from Zed: $release ⇒ $report', ({ release, report, findings }) => {
    const check = checkPciConfig(zedLab(), { deviceSpecs: [], aliases: [], reportInPlacement: true }, declared(release));
    expect([check.reportInPlacement, ids(check.findings).filter((id) => id === 'release-setting-ignored')]).toEqual([report, findings]);
  });
});

describe('§1.2 §1.3 §1.5 image properties and extra specs by release', () => {
  const cloud = (): CloudSnapshot => ({ ...snapshot([host('h1', { pci: [pciProvider('h1', '0000:3b:00.0', 'CUSTOM_PCI_8086_154C', 4, 0, [])] })]), apis: NO_APIS });
  it.each<{ name: string; release: NovaRelease; props?: Record<string, string>; specs?: Record<string, string>; finding: string | null }>([
    { name: '§1.2 §7 hw_vif_model=igb before 2025.1 is refused', release: '2024.2', props: { hw_vif_model: 'igb' }, finding: 'release-setting-refused' },
    { name: '§1.2 §7 hw_vif_model=igb from 2025.1', release: '2025.1', props: { hw_vif_model: 'igb' }, finding: null },
    { name: '§1.3 §7 hw_virtio_packed_ring before 2024.1 is ignored', release: '2023.2', props: { hw_virtio_packed_ring: 'true' }, finding: 'release-setting-ignored' },
    { name: '§1.3 §7 hw:virtio_packed_ring before 2024.1 is refused', release: '2023.2', specs: { 'hw:virtio_packed_ring': 'true' }, finding: 'release-setting-refused' },
    { name: '§1.3 §7 packed ring from 2024.1', release: '2024.1', props: { hw_virtio_packed_ring: 'true' }, specs: { 'hw:virtio_packed_ring': 'true' }, finding: null },
    { name: '§1.3 §7 hw:vif_multiqueue_enabled before Yoga is refused', release: 'xena', specs: { 'hw:vif_multiqueue_enabled': 'true' }, finding: 'release-setting-refused' },
    { name: '§1.3 §7 hw:vif_multiqueue_enabled from Yoga', release: 'yoga', specs: { 'hw:vif_multiqueue_enabled': 'true' }, finding: null },
    { name: '§1.5 extra spec validation (2.86) already in Wallaby (2.88): hw:vif_model refused', release: 'wallaby', specs: { 'hw:vif_model': 'virtio' }, finding: 'flavor-device-model-extra-spec' },
  ])('$name', ({ release, props = {}, specs = {}, finding }) => {
    const found = ids(validate(cloud(), { properties: { os_distro: 'ubuntu', os_version: '22.04', ...props }, flavor: flavor('f', 2, 1024, 1, specs) }, declared(release)).findings)
      .filter((id) => id.startsWith('release-setting') || id === 'flavor-device-model-extra-spec');
    expect(found).toEqual(finding ? [finding] : []);
  });

  it.each<{ release: NovaRelease; required: boolean }>([
    { release: '2023.2', required: false },
    { release: '2024.1', required: true },
  ])('§1.3 §2.5 packed_virtqueue_filter from 2024.1: $release ⇒ COMPUTE_NET_VIRTIO_PACKED required: $required', ({ release, required }) => {
    const p = preview(cloud(), { image: image({ hw_virtio_packed_ring: 'true' }), flavor: flavor('f', 2, 1024, 1), vnicType: 'normal' }, declared(release));
    expect(p.placement.rootRequired.includes('COMPUTE_NET_VIRTIO_PACKED')).toBe(required);
  });

  it.each<{ release: NovaRelease; key: string }>([
    { release: 'xena', key: 'hw_vif_multiqueue_enabled' },
    { release: 'yoga', key: 'hw:vif_multiqueue_enabled' },
  ])('§1.3 §7 multiqueue advised on the flavor only from Yoga: $release ⇒ $key', ({ release, key }) => {
    const fl = flavor('f', 4, 1024, 1, { 'hw:vif_multiqueue_enabled': 'true' });
    const answer = advise(cloud(), request(image({ os_distro: 'ubuntu', os_version: '22.04' }), fl, { workload: 'nfv-dataplane' }), declared(release));
    expect([...answer.imageProperties, ...answer.flavorExtraSpecs].map((r) => r.key)).toContain(key);
  });
});
