// Validations on the same inputs as recommendations (issue 13): per-property host support, replacement values,
// the emulated device most hosts can provide, and vhost-user ports.
import { describe, expect, it } from 'vitest';
import { advise, defaultRuleContext, validate, type RuleContext } from '../index.ts';
import { LAB_FLAVORS, flavor, host, image, labSnapshot, request, snapshot } from '../test-fixtures.ts';
import type { AdviceRequest, Flavor, HostFacts, ValidationInput } from '../../model/index.ts';

const lab = labSnapshot();
const ctx = (facts: Partial<HostFacts> = {}): RuleContext => {
  const base = defaultRuleContext();
  return { ...base, hostFacts: { ...base.hostFacts, ...facts } };
};
const check = (input: Partial<ValidationInput> & { properties: Record<string, string> }, facts: Partial<HostFacts> = {}, snap = lab) =>
  validate(snap, { flavor: null, ...input }, ctx(facts));
const replacement = (input: Partial<ValidationInput> & { properties: Record<string, string> }, key: string, facts: Partial<HostFacts> = {}) =>
  check(input, facts).properties.find((p) => p.key === key)?.replacement?.value;
const advised = (adviceRequest: AdviceRequest, key: string, facts: Partial<HostFacts> = {}) =>
  [...advise(lab, adviceRequest, ctx(facts)).imageProperties, ...advise(lab, adviceRequest, ctx(facts)).flavorExtraSpecs].find((r) => r.key === key)?.value;

const WIN2022 = { os_distro: 'windows', os_version: '2022' };
const WIN2003 = { os_distro: 'win2k3' };
const E1000_ONLY = ['COMPUTE_NODE', 'COMPUTE_NET_VIF_MODEL_VIRTIO', 'COMPUTE_NET_VIF_MODEL_E1000', 'COMPUTE_STORAGE_BUS_IDE'];
const E1000E_ONLY = ['COMPUTE_NODE', 'COMPUTE_NET_VIF_MODEL_VIRTIO', 'COMPUTE_NET_VIF_MODEL_E1000E', 'COMPUTE_STORAGE_BUS_IDE'];

describe('replacement values', () => {
  it.each<{ name: string; input: Partial<ValidationInput> & { properties: Record<string, string> }; key: string; expected: string | undefined }>([
    { name: '§1.2 §2.4 hw_vif_model=virtio-net (osinfo-db name) → virtio, guest unknown', input: { properties: { hw_vif_model: 'virtio-net' } }, key: 'hw_vif_model', expected: 'virtio' },
    { name: '§1.2 §2.4 hw_vif_model=virtio1.0-net → virtio', input: { properties: { os_distro: 'ubuntu22.04', hw_vif_model: 'virtio1.0-net' } }, key: 'hw_vif_model', expected: 'virtio' },
    { name: '§3.1 §8 virtio-net on Windows 2022 without virtio-win → e1000e', input: { properties: { ...WIN2022, hw_vif_model: 'virtio-net' } }, key: 'hw_vif_model', expected: 'e1000e' },
    { name: '§3.1 virtio-net on Windows 2022 declaring virtio-win in the request → virtio', input: { properties: { ...WIN2022, hw_vif_model: 'virtio-net' }, virtioDrivers: true }, key: 'hw_vif_model', expected: 'virtio' },
    { name: '§1.2 §2.4 hw_disk_bus=virtio-block → virtio', input: { properties: { os_distro: 'debian12', hw_disk_bus: 'virtio-block' } }, key: 'hw_disk_bus', expected: 'virtio' },
    { name: '§1.2 §2.3 hw_disk_bus=virtio-scsi → scsi', input: { properties: { os_distro: 'debian12', hw_disk_bus: 'virtio-scsi' } }, key: 'hw_disk_bus', expected: 'scsi' },
    { name: '§2.3 hw_disk_bus=virtio-scsi → hw_scsi_model=virtio-scsi with it', input: { properties: { os_distro: 'debian12', hw_disk_bus: 'virtio-scsi' } }, key: 'hw_scsi_model', expected: 'virtio-scsi' },
    { name: '§3.2 virtio-scsi on CentOS 6 (virtio-blk, no virtio-scsi before 7.0) → virtio', input: { properties: { os_distro: 'centos6.10', hw_disk_bus: 'virtio-scsi' } }, key: 'hw_disk_bus', expected: 'virtio' },
    { name: '§2.3 §3.1 virtio-block on Windows 2022 without virtio-win, pc → ide', input: { properties: { ...WIN2022, hw_disk_bus: 'virtio-block' } }, key: 'hw_disk_bus', expected: 'ide' },
    { name: '§2.3 ide disk on q35 for a driverless guest → sata', input: { properties: { ...WIN2022, hw_machine_type: 'q35', hw_disk_bus: 'ide' } }, key: 'hw_disk_bus', expected: 'sata' },
    { name: '§2.3 ide CD-ROM on q35 → sata, Nova\'s own choice there', input: { properties: { os_distro: 'ubuntu22.04', hw_machine_type: 'q35', hw_cdrom_bus: 'ide' } }, key: 'hw_cdrom_bus', expected: 'sata' },
    { name: '§2.1 §8 e1000 on a guest with virtio-net → virtio', input: { properties: { os_distro: 'ubuntu22.04', hw_vif_model: 'e1000' } }, key: 'hw_vif_model', expected: 'virtio' },
    { name: '§3.2 virtio on RHEL 5.0 (no virtio-net, no q35 so no e1000e) → e1000', input: { properties: { os_distro: 'rhel', os_version: '5.0', hw_vif_model: 'virtio' } }, key: 'hw_vif_model', expected: 'e1000' },
    { name: '§1.2 virtio on Ubuntu 22.04 is right: no replacement', input: { properties: { os_distro: 'ubuntu22.04', hw_vif_model: 'virtio' } }, key: 'hw_vif_model', expected: undefined },
    { name: '§2.2 e1000 on vhost-user ports (vnic_backend ovs-dpdk) → virtio', input: { properties: { hw_vif_model: 'e1000' }, vnicBackend: 'ovs-dpdk' }, key: 'hw_vif_model', expected: 'virtio' },
  ])('$name', ({ input, key, expected }) => {
    expect(replacement(input, key)).toBe(expected);
  });

  it('§1.2 the replacement for a misspelling names why Nova refuses it, and the replacement\'s host support', () => {
    const vif = check({ properties: { hw_vif_model: 'virtio-net' } }).properties.find((p) => p.key === 'hw_vif_model')!;
    expect(vif).toMatchObject({ value: 'virtio-net', trait: null, hosts: null });
    expect(vif.replacement?.reason).toMatch(/HTTP 400/);
    expect(vif.replacement?.evidence).toContainEqual(expect.objectContaining({ source: 'host-trait', ref: 'COMPUTE_NET_VIF_MODEL_VIRTIO' }));
  });
});

describe('the emulated NIC most hosts can provide', () => {
  const e1000Hosts = snapshot([host('a', { traits: E1000_ONLY }), host('b', { traits: E1000_ONLY }), host('c', { traits: E1000E_ONLY })]);
  it.each<{ name: string; props: Record<string, string>; workload: AdviceRequest['workload']; snap: typeof lab; expected: string }>([
    // lab-compute-2 lacks COMPUTE_NET_VIF_MODEL_E1000 (test-fixtures), both report E1000E.
    { name: '§3.3 §2.6 legacy-guest Ubuntu 22.04 on the lab → e1000e (2 hosts) over e1000 (1)', props: { os_distro: 'ubuntu22.04' }, workload: 'legacy-guest', snap: lab, expected: 'e1000e' },
    { name: '§3.1 §2.6 Windows 2022 without virtio-win on the lab → e1000e', props: WIN2022, workload: 'general', snap: lab, expected: 'e1000e' },
    { name: '§3.1 §2.6 Windows 2022 where more hosts report E1000 → e1000', props: WIN2022, workload: 'general', snap: e1000Hosts, expected: 'e1000' },
    { name: '§3.1 Windows 2003 has no e1000e driver (before NT 6.1): e1000 even where fewer hosts report it', props: WIN2003, workload: 'general', snap: snapshot([host('a', { traits: E1000E_ONLY }), host('b', { traits: E1000_ONLY })]), expected: 'e1000' },
    { name: '§3.2 unknown guest → e1000 only (no driver known beyond it)', props: { os_distro: 'plan9' }, workload: 'general', snap: lab, expected: 'e1000' },
  ])('$name', ({ props, workload, snap, expected }) => {
    const advice = advise(snap, request(image(props), null, { workload }), ctx());
    expect(advice.imageProperties.find((r) => r.key === 'hw_vif_model')?.value).toBe(expected);
  });

  it('§2.6 §4.7 the reason names hosts and, with a flavor, the instances each model fits', () => {
    // lab.tiny (512 MB) is memory-bound: lab-compute-1 (65536 − 512) × 1.5 − 2048 = 95488 MB → 186,
    // lab-compute-2 (32768 − 512) × 1.5 = 48384 MB → 94. e1000 only lands on lab-compute-1.
    const nic = advise(lab, request(image({ os_distro: 'ubuntu22.04' }), LAB_FLAVORS.tiny, { workload: 'legacy-guest' }), ctx())
      .imageProperties.find((r) => r.key === 'hw_vif_model')!;
    expect(nic.value).toBe('e1000e');
    expect(nic.reason).toContain('e1000e on 2, e1000 on 1');
    expect(nic.reason).toContain('280 instance(s) fit with e1000e, 186 instance(s) fit with e1000');
  });
});

describe('vhost-user ports', () => {
  const HUGE = flavor('m.huge', 2, 2048, 10, { 'hw:mem_page_size': 'large' });
  const SMALL = flavor('m.small', 2, 2048, 10, { 'hw:mem_page_size': 'small' });
  const PLAIN = flavor('m.plain', 2, 2048, 10);
  it.each<{ name: string; props: Record<string, string>; input: Partial<AdviceRequest>; facts: Partial<HostFacts>; expected: string | undefined }>([
    { name: '§2.2 unknown guest, vnic_backend ovs-dpdk → virtio (not e1000)', props: {}, input: { vnicBackend: 'ovs-dpdk' }, facts: {}, expected: 'virtio' },
    { name: '§2.2 unknown guest, hosts declared OVS-DPDK → virtio', props: {}, input: {}, facts: { ovsDpdk: true }, expected: 'virtio' },
    { name: '§1.6 §2.2 vnic_type virtio-forwarder is vhost-user → virtio', props: { os_distro: 'plan9' }, input: { vnicType: 'virtio-forwarder' }, facts: {}, expected: 'virtio' },
    { name: '§2.2 legacy-guest profile still gets virtio on vhost-user', props: { os_distro: 'ubuntu22.04' }, input: { workload: 'legacy-guest', vnicBackend: 'ovs-dpdk' }, facts: {}, expected: 'virtio' },
    { name: '§2.2 vnic_backend ovs on OVS-DPDK-declared hosts: not vhost-user, unknown guest → e1000', props: {}, input: { vnicBackend: 'ovs' }, facts: { ovsDpdk: true }, expected: 'e1000' },
    { name: '§1.6 macvtap ports are not vhost-user → e1000 for an unknown guest', props: {}, input: { vnicType: 'macvtap' }, facts: { ovsDpdk: true }, expected: 'e1000' },
  ])('$name', ({ props, input, facts, expected }) => {
    expect(advised(request(image(props), null, input), 'hw_vif_model', facts)).toBe(expected);
  });

  it.each<{ name: string; props: Record<string, string>; input: Partial<ValidationInput>; facts: Partial<HostFacts>; fl: Flavor | null; id: string; raised: boolean }>([
    { name: '§2.2 §3.1 Windows without virtio-win on vhost-user → cannot work', props: WIN2022, input: { vnicBackend: 'ovs-dpdk' }, facts: {}, fl: HUGE, id: 'vhost-user-guest-without-virtio', raised: true },
    { name: '§2.2 unknown guest declaring os_virtio_drivers=false → cannot work', props: { os_virtio_drivers: 'false' }, input: { vnicType: 'virtio-forwarder' }, facts: {}, fl: HUGE, id: 'vhost-user-guest-without-virtio', raised: true },
    { name: '§2.2 request virtio_drivers=false → cannot work', props: { os_distro: 'plan9' }, input: { vnicBackend: 'ovs-dpdk', virtioDrivers: false }, facts: {}, fl: HUGE, id: 'vhost-user-guest-without-virtio', raised: true },
    { name: '§2.2 unknown guest declaring nothing → not known to fail', props: {}, input: { vnicBackend: 'ovs-dpdk' }, facts: {}, fl: HUGE, id: 'vhost-user-guest-without-virtio', raised: false },
    { name: '§2.2 Windows without virtio-win on ovs ports → no vhost-user finding', props: WIN2022, input: { vnicBackend: 'ovs' }, facts: { ovsDpdk: true }, fl: HUGE, id: 'vhost-user-guest-without-virtio', raised: false },
    { name: '§2.2 §8 flavor without hw:mem_page_size on vhost-user', props: {}, input: { vnicType: 'virtio-forwarder' }, facts: {}, fl: PLAIN, id: 'vhost-user-needs-hugepages', raised: true },
    { name: '§1.3 §2.2 hw:mem_page_size=small gives no huge pages', props: {}, input: { vnicBackend: 'ovs-dpdk' }, facts: {}, fl: SMALL, id: 'vhost-user-needs-hugepages', raised: true },
    { name: '§2.2 hw:mem_page_size=large gives shared memory', props: {}, input: { vnicBackend: 'ovs-dpdk' }, facts: {}, fl: HUGE, id: 'vhost-user-needs-hugepages', raised: false },
    { name: '§2.2 declared file_backed_memory gives shared memory', props: {}, input: { vnicBackend: 'ovs-dpdk' }, facts: { fileBackedMemoryMb: 1_048_576 }, fl: PLAIN, id: 'vhost-user-needs-hugepages', raised: false },
    { name: '§2.2 hw_vif_model=e1000e on virtio-forwarder ports', props: { hw_vif_model: 'e1000e' }, input: { vnicType: 'virtio-forwarder' }, facts: {}, fl: HUGE, id: 'vhost-user-needs-virtio', raised: true },
  ])('$name', ({ props, input, facts, fl, id, raised }) => {
    const result = check({ properties: props, flavor: fl, ...input }, facts);
    expect(result.findings.some((f) => f.id === id)).toBe(raised);
    if (raised) expect(result.verdict).toBe('fail');
  });

  it('§2.2 §1.3 the advice gives the flavor huge pages for virtio-forwarder ports', () => {
    expect(advised(request(image({}), flavor('m', 2, 2048, 10), { vnicType: 'virtio-forwarder' }), 'hw:mem_page_size')).toBe('large');
  });
});

describe('which hosts support each proposed property (§2.6)', () => {
  const nonLibvirt = host('ironic-1', { traits: [] });
  const disabled = { ...host('lab-compute-3'), computeService: { disabled: true, forcedDown: false } };
  const snap = snapshot([...lab.hosts, nonLibvirt, disabled]);

  it('§2.6 supporting, lacking and unknown (non-libvirt) hosts, disabled ones left out (§2.5)', () => {
    const vif = check({ properties: { hw_vif_model: 'e1000' } }, {}, snap).properties.find((p) => p.key === 'hw_vif_model')!;
    expect(vif.trait).toBe('COMPUTE_NET_VIF_MODEL_E1000');
    expect(vif.hosts).toEqual({
      hosts: 3, supporting: 1, lacking: 1, unknown: 1,
      examples: { supporting: ['lab-compute-1'], lacking: ['lab-compute-2'], unknown: ['ironic-1'] },
    });
  });

  it('§1.5 §2.6 only the hosts the flavor can land on: trait:CUSTOM_LAB_RACK_B=required leaves lab-compute-2, which lacks E1000', () => {
    const rackB = flavor('rack-b', 1, 512, 1, { 'trait:CUSTOM_LAB_RACK_B': 'required' });
    const result = check({ properties: { hw_vif_model: 'e1000' }, flavor: rackB });
    expect(result.properties.find((p) => p.key === 'hw_vif_model')?.hosts).toMatchObject({ hosts: 1, supporting: 0, lacking: 1 });
    expect(result.findings.map((f) => f.id)).toContain('vif-model-unsupported-on-all-hosts');
  });

  it('§2.6 a host reporting no vif trait says nothing: a model only it could run is not an error', () => {
    const result = check({ properties: { hw_vif_model: 'e1000' } }, {}, snapshot([nonLibvirt]));
    expect(result.properties.find((p) => p.key === 'hw_vif_model')?.hosts).toMatchObject({ hosts: 1, supporting: 0, lacking: 0, unknown: 1 });
    expect(result.findings.map((f) => f.id)).not.toContain('vif-model-unsupported-on-all-hosts');
  });

  it('§1.2 §2.5 every proposed device property is listed with its trait', () => {
    const result = check({ properties: { hw_vif_model: 'virtio', hw_disk_bus: 'scsi', hw_scsi_model: 'virtio-scsi', hw_cdrom_bus: 'sata', hw_video_model: 'virtio', os_distro: 'ubuntu22.04' } });
    expect(result.properties.map((p) => [p.key, p.trait])).toEqual([
      ['hw_vif_model', 'COMPUTE_NET_VIF_MODEL_VIRTIO'],
      ['hw_disk_bus', 'COMPUTE_STORAGE_BUS_SCSI'],
      ['hw_cdrom_bus', 'COMPUTE_STORAGE_BUS_SATA'],
      ['hw_video_model', 'COMPUTE_GRAPHICS_MODEL_VIRTIO'],
      ['hw_scsi_model', null],
    ]);
  });

  it('§2.3 a validation takes the disks: more than 4 on IDE is refused', () => {
    expect(check({ properties: { ...WIN2003, hw_disk_bus: 'ide' }, disks: 6 }).findings.map((f) => f.id)).toContain('ide-too-many-disks');
    expect(check({ properties: { ...WIN2003, hw_disk_bus: 'ide' }, disks: 4 }).findings.map((f) => f.id)).not.toContain('ide-too-many-disks');
  });

  it('§1.6 §2.1 a validation takes the vnic type: hw_vif_model has no effect on direct ports', () => {
    expect(check({ properties: { hw_vif_model: 'virtio' }, vnicType: 'direct' }).findings.map((f) => f.id)).toContain('vif-model-irrelevant-for-vnic-type');
  });

  it('§2.6 at 15,000 hosts the answer stays bounded and is worked out per trait set', () => {
    const TRAIT_SETS = 30;
    const hosts = Array.from({ length: 15_000 }, (_, i) => host(`h${String(i).padStart(5, '0')}`,
      { traits: i % TRAIT_SETS === 0 ? E1000E_ONLY : [...E1000_ONLY, `CUSTOM_RACK_${i % TRAIT_SETS}`] }));
    const big = snapshot(hosts);
    const first = performance.now();
    const result = check({ properties: { hw_vif_model: 'e1000', hw_disk_bus: 'ide' } }, {}, big);
    const firstMs = performance.now() - first;
    const vif = result.properties.find((p) => p.key === 'hw_vif_model')!;
    expect(vif.hosts).toMatchObject({ hosts: 15_000, supporting: 14_500, lacking: 500, unknown: 0 });
    expect(vif.hosts!.examples.supporting).toHaveLength(10);
    expect(vif.hosts!.examples.lacking).toEqual(Array.from({ length: 10 }, (_, i) => `h${String(i * TRAIT_SETS).padStart(5, '0')}`));
    expect(JSON.stringify(result).length).toBeLessThan(15_000);
    const again = performance.now();
    check({ properties: { hw_vif_model: 'e1000', hw_disk_bus: 'ide', os_distro: 'rhel5.0' } }, {}, big);
    // The host index is built by the first answer (the registry builds it ahead in service); later ones read trait sets.
    expect(performance.now() - again).toBeLessThan(Math.max(50, firstMs));
  });
});
