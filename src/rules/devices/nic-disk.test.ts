import { describe, expect, it } from 'vitest';
import { advise, defaultRuleContext, validate, type RuleContext } from '../index.ts';
import { LAB_FLAVORS, LAB_IMAGES, image, labSnapshot, request, snapshot, host } from '../test-fixtures.ts';
import type { AdviceRequest, Flavor, HostFacts, WorkloadProfile } from '../../model/index.ts';

const lab = labSnapshot();
const ctx = (facts: Partial<HostFacts> = {}): RuleContext => {
  const base = defaultRuleContext();
  return { ...base, hostFacts: { ...base.hostFacts, ...facts } };
};
const rec = (adviceRequest: AdviceRequest, key: string, facts: Partial<HostFacts> = {}) =>
  advise(lab, adviceRequest, ctx(facts)).imageProperties.find((r) => r.key === key)?.value;
const ids = (props: Record<string, string>, facts: Partial<HostFacts> = {}, fl: Flavor | null = null) =>
  validate(lab, { properties: props, flavor: fl }, ctx(facts)).findings.map((f) => f.id);

const WIN2022 = { os_distro: 'windows', os_version: '2022' };

describe('NIC model', () => {
  it.each<{ name: string; props: Record<string, string>; expected: string }>([
    { name: 'Ubuntu 22.04 → virtio', props: { os_distro: 'ubuntu22.04' }, expected: 'virtio' },
    { name: 'CentOS 6 → virtio', props: { os_distro: 'centos', os_version: '6' }, expected: 'virtio' },
    { name: 'RHEL 5.0 → e1000 (no virtio-net)', props: { os_distro: 'rhel', os_version: '5.0' }, expected: 'e1000' },
    { name: 'Windows 2022 without virtio-win → e1000e', props: WIN2022, expected: 'e1000e' },
    { name: 'Windows 2003 without virtio-win → e1000', props: { os_distro: 'win2k3' }, expected: 'e1000' },
    { name: 'Windows 2022 with virtio-win → virtio', props: { ...WIN2022, os_virtio_drivers: 'yes' }, expected: 'virtio' },
    { name: 'unknown OS → e1000', props: { os_distro: 'plan9' }, expected: 'e1000' },
  ])('§8 §3.2 $name', ({ props, expected }) => {
    expect(rec(request(image(props), null), 'hw_vif_model')).toBe(expected);
  });

  it('§8 request-level virtioDrivers flag declares virtio-win', () => {
    expect(rec(request(image(WIN2022), null, { virtioDrivers: true }), 'hw_vif_model')).toBe('virtio');
  });

  it('§8 §3.3 legacy-guest profile asks for the emulated NIC even when virtio exists (e1000e: lab-compute-2 lacks E1000)', () => {
    expect(rec(request(image({ os_distro: 'ubuntu22.04' }), null, { workload: 'legacy-guest' }), 'hw_vif_model')).toBe('e1000e');
  });

  it.each(['direct', 'direct-physical', 'vdpa', 'remote-managed', 'accelerator-direct'] as const)(
    '§1.6 §2.1 vnic_type %s makes hw_vif_model irrelevant', (vnicType) => {
      const advice = advise(lab, request(LAB_IMAGES.ubuntu, null, { vnicType }), ctx());
      expect(advice.imageProperties.map((r) => r.key)).not.toContain('hw_vif_model');
      expect(advice.findings.map((f) => f.id)).toContain('vif-model-irrelevant-for-vnic-type');
    });

  it('§1.6 macvtap still uses the NIC model, and its VFs are not in Placement', () => {
    const advice = advise(lab, request(LAB_IMAGES.ubuntu, null, { vnicType: 'macvtap' }), ctx());
    expect(advice.imageProperties.find((r) => r.key === 'hw_vif_model')?.value).toBe('virtio');
    expect(advice.findings.map((f) => f.id)).toContain('neutron-sriov-not-in-placement');
  });

  it('§2.4 reason explains Nova\'s arbitrary libosinfo choice when unset and os_distro is a short-id', () => {
    const advice = advise(lab, request(image({ os_distro: 'ubuntu22.04' }), null), ctx());
    const nic = advice.imageProperties.find((r) => r.key === 'hw_vif_model')!;
    expect(nic.current).toBeNull();
    expect(nic.reason).toMatch(/arbitrary/);
    expect(advice.findings.map((f) => f.id)).toContain('implicit-nic-model-arbitrary');
  });

  it.each<{ name: string; props: Record<string, string>; facts: Partial<HostFacts>; id: string }>([
    { name: 'unknown model is a 400', props: { hw_vif_model: 'virtio-net' }, facts: {}, id: 'image-property-invalid-value' },
    { name: 'lan9118 only on qemu', props: { hw_vif_model: 'lan9118' }, facts: {}, id: 'vif-model-invalid-for-virt-type' },
    { name: 'vmxnet (enum, not libvirt)', props: { hw_vif_model: 'vmxnet' }, facts: {}, id: 'vif-model-invalid-for-virt-type' },
    { name: 'igb needs recent hypervisor', props: { hw_vif_model: 'igb' }, facts: {}, id: 'igb-needs-recent-hypervisor' },
    { name: 'virtio for a driverless guest', props: { hw_vif_model: 'virtio', ...WIN2022 }, facts: {}, id: 'guest-lacks-virtio-driver' },
    { name: 'unset for a driverless guest', props: { os_distro: 'rhel5.0' }, facts: {}, id: 'implicit-nic-model-unsupported-by-guest' },
    { name: 'vhost-user needs virtio', props: { hw_vif_model: 'e1000e' }, facts: { ovsDpdk: true }, id: 'vhost-user-needs-virtio' },
    { name: 'host lacking COMPUTE_NET_VIF_MODEL_E1000', props: { hw_vif_model: 'e1000' }, facts: {}, id: 'vif-model-unsupported-on-some-hosts' },
  ])('§1.2 §2.1 §2.6 validate: $name → $id', ({ props, facts, id }) => {
    expect(ids(props, facts)).toContain(id);
  });

  it('§1.2 VMware spellings are mapped, lan9118 is fine on qemu', () => {
    expect(ids({ hw_vif_model: 'VirtualE1000e' })).not.toContain('image-property-invalid-value');
    expect(ids({ hw_vif_model: 'lan9118' }, { virtType: 'qemu' })).not.toContain('vif-model-invalid-for-virt-type');
  });

  it('§2.6 a model no host reports is an error; hosts without any vif trait say nothing', () => {
    const noE1000 = snapshot([host('a', { traits: ['COMPUTE_NET_VIF_MODEL_VIRTIO'] }), host('b', { traits: ['COMPUTE_NODE'] })]);
    const result = validate(noE1000, { properties: { hw_vif_model: 'e1000' }, flavor: null }, ctx());
    expect(result.findings.map((f) => f.id)).toContain('vif-model-unsupported-on-all-hosts');
    expect(result.verdict).toBe('fail');
  });

  it('§2.6 the lab e1000 image passes with a warning (lab-compute-2 lacks E1000)', () => {
    const result = validate(lab, { properties: { hw_vif_model: 'e1000', os_distro: 'rhel', os_version: '5.0', hw_disk_bus: 'ide' }, flavor: null }, ctx());
    expect(result.verdict).toBe('warn');
    expect(result.findings.find((f) => f.id === 'vif-model-unsupported-on-some-hosts')?.message).toContain('lab-compute-2');
  });
});

describe('disk bus', () => {
  it.each<{ name: string; props: Record<string, string>; facts: Partial<HostFacts>; workload: WorkloadProfile; bus: string; scsi: string | undefined }>([
    { name: 'Ubuntu 22.04 → virtio', props: { os_distro: 'ubuntu22.04' }, facts: {}, workload: 'general', bus: 'virtio', scsi: undefined },
    { name: 'storage-heavy Ubuntu → scsi + virtio-scsi', props: { os_distro: 'ubuntu22.04' }, facts: {}, workload: 'storage-heavy', bus: 'scsi', scsi: 'virtio-scsi' },
    { name: 'storage-heavy CentOS 6 → virtio (no virtio-scsi before 7.0)', props: { os_distro: 'centos6.10' }, facts: {}, workload: 'storage-heavy', bus: 'virtio', scsi: undefined },
    { name: 'Windows 2022 without virtio-win on pc → ide', props: WIN2022, facts: {}, workload: 'general', bus: 'ide', scsi: undefined },
    { name: 'Windows 2022 without virtio-win on q35 (image) → sata', props: { ...WIN2022, hw_machine_type: 'q35' }, facts: {}, workload: 'general', bus: 'sata', scsi: undefined },
    { name: 'Windows 2022 without virtio-win, q35 declared default → sata', props: WIN2022, facts: { defaultMachineType: 'pc-q35-8.2' }, workload: 'general', bus: 'sata', scsi: undefined },
    { name: 'Windows 2022 with virtio-win → virtio', props: { ...WIN2022, os_virtio_drivers: 'true' }, facts: {}, workload: 'general', bus: 'virtio', scsi: undefined },
    { name: 'RHEL 5.0 on pc → ide', props: { os_distro: 'rhel', os_version: '5.0' }, facts: {}, workload: 'general', bus: 'ide', scsi: undefined },
  ])('§2.3 §8 $name', ({ props, facts, workload, bus, scsi }) => {
    const advice = advise(lab, request(image(props), null, { workload }), ctx(facts));
    expect(advice.imageProperties.find((r) => r.key === 'hw_disk_bus')?.value).toBe(bus);
    expect(advice.imageProperties.find((r) => r.key === 'hw_scsi_model')?.value).toBe(scsi);
  });

  it('§2.3 the declared machine type is evidence from a declared host fact', () => {
    const advice = advise(lab, request(image(WIN2022), null), ctx({ defaultMachineType: 'q35' }));
    const disk = advice.imageProperties.find((r) => r.key === 'hw_disk_bus')!;
    expect(disk.evidence).toContainEqual({ source: 'declared-host-fact', ref: 'defaultMachineType', value: 'q35' });
  });

  it('§2.3 more than 4 IDE disks: q35-capable guest moves to q35 + sata', () => {
    const advice = advise(lab, request(image({ os_distro: 'win2k19' }), null, { disks: 6 }), ctx());
    expect(advice.imageProperties.find((r) => r.key === 'hw_machine_type')?.value).toBe('q35');
    expect(advice.imageProperties.find((r) => r.key === 'hw_disk_bus')?.value).toBe('sata');
  });

  it('§2.3 more than 4 IDE disks for a guest without q35 → ide-too-many-disks', () => {
    const advice = advise(lab, request(image({ os_distro: 'winxp' }), null, { disks: 6 }), ctx());
    expect(advice.findings.map((f) => f.id)).toContain('ide-too-many-disks');
  });

  it.each<{ name: string; props: Record<string, string>; id: string }>([
    { name: 'ide on q35', props: { hw_disk_bus: 'ide', hw_machine_type: 'q35' }, id: 'ide-on-q35' },
    { name: 'ide cdrom on pc-q35-8.2', props: { hw_cdrom_bus: 'ide', hw_machine_type: 'pc-q35-8.2' }, id: 'ide-on-q35' },
    { name: 'xen disk bus (removed)', props: { hw_disk_bus: 'xen' }, id: 'disk-bus-removed' },
    { name: 'uml disk bus (removed)', props: { hw_disk_bus: 'uml' }, id: 'disk-bus-removed' },
    { name: 'nvme is no Nova bus', props: { hw_disk_bus: 'nvme' }, id: 'image-property-invalid-value' },
    { name: 'bad scsi model', props: { hw_disk_bus: 'scsi', hw_scsi_model: 'megaraid' }, id: 'image-property-invalid-value' },
    { name: 'scsi without hw_scsi_model', props: { hw_disk_bus: 'scsi' }, id: 'scsi-bus-without-model' },
    { name: 'hw_scsi_model without scsi bus', props: { hw_scsi_model: 'virtio-scsi' }, id: 'scsi-model-without-scsi-bus' },
    { name: 'Windows without virtio-win, hw_disk_bus unset', props: WIN2022, id: 'implicit-disk-bus-unsupported-by-guest' },
    { name: 'Windows without virtio-win, hw_disk_bus=virtio', props: { ...WIN2022, hw_disk_bus: 'virtio' }, id: 'guest-lacks-virtio-driver' },
    { name: 'CentOS 6 with virtio-scsi', props: { os_distro: 'centos6.10', hw_disk_bus: 'scsi', hw_scsi_model: 'virtio-scsi' }, id: 'guest-lacks-virtio-driver' },
  ])('§2.3 §1.2 validate: $name → $id', ({ props, id }) => {
    expect(ids(props)).toContain(id);
  });

  it('§2.3 the lab Windows image (ide, machine type default pc) does not hit ide-on-q35; with q35 it does', () => {
    expect(ids(LAB_IMAGES.windows.properties)).not.toContain('ide-on-q35');
    expect(ids(LAB_IMAGES.windows.properties, { defaultMachineType: 'q35' })).toContain('ide-on-q35');
  });

  it('§2.3 the lab Ubuntu image is valid apart from the Glance-vocabulary note', () => {
    const result = validate(lab, { properties: LAB_IMAGES.ubuntu.properties, flavor: LAB_FLAVORS.sriov }, ctx());
    expect(result.verdict).toBe('pass');
    expect(result.findings.map((f) => f.id)).toEqual(['os-distro-not-short-id']);
  });
});

describe('legacy vmware_adaptertype, as Nova reads it', () => {
  const UBUNTU = { os_distro: 'ubuntu22.04' };
  it.each<{ name: string; props: Record<string, string>; read: string | null; raised: string[] }>([
    { name: 'lsiLogic alone → hw_disk_bus=scsi and hw_scsi_model=lsiLogic', props: { ...UBUNTU, vmware_adaptertype: 'lsiLogic' },
      read: 'hw_disk_bus=scsi and hw_scsi_model=lsiLogic', raised: [] },
    { name: 'ide alone → hw_disk_bus=ide, an emulated bus for a virtio guest', props: { ...UBUNTU, vmware_adaptertype: 'ide' },
      read: 'hw_disk_bus=ide', raised: ['disk-bus-emulated-for-virtio-guest'] },
    { name: 'with hw_disk_bus=virtio set → only hw_scsi_model, a controller without scsi disks', props: { ...UBUNTU, vmware_adaptertype: 'lsiLogic', hw_disk_bus: 'virtio' },
      read: 'hw_scsi_model=lsiLogic', raised: ['scsi-model-without-scsi-bus'] },
    { name: 'with both current names set → nothing read from it', props: { ...UBUNTU, vmware_adaptertype: 'lsiLogic', hw_disk_bus: 'virtio', hw_scsi_model: 'virtio-scsi' },
      read: null, raised: ['scsi-model-without-scsi-bus'] },
  ])('§1.1 $name', ({ props, read, raised }) => {
    const { findings } = validate(lab, { properties: props, flavor: null }, ctx());
    const legacy = findings.find((f) => f.id === 'legacy-property-read');
    if (read === null) expect(legacy).toBeUndefined();
    else expect(legacy?.message).toBe(`vmware_adaptertype=${props['vmware_adaptertype']} is a VMware-era name Nova still reads: it sets ${read} for this image.`);
    for (const id of raised) expect(findings.map((f) => f.id)).toContain(id);
  });

  it('§1.1 §2.3 the advice starts from the bus Nova reads now; the preview keeps the SCSI model still read from it', () => {
    const advice = advise(lab, request(image({ os_distro: 'ubuntu22.04', vmware_adaptertype: 'lsiLogic' }), LAB_FLAVORS.tiny), ctx());
    expect(advice.imageProperties.find((r) => r.key === 'hw_disk_bus')).toMatchObject({ value: 'virtio', current: 'scsi' });
    // The advised image sets hw_disk_bus, so only the SCSI model is still read from the legacy name.
    expect(advice.preview?.storage.scsiModel.value).toBe('lsilogic');
  });
});

describe('emulated devices on a guest that has virtio drivers (performs badly)', () => {
  it.each<{ name: string; props: Record<string, string>; id: string; raised: boolean }>([
    { name: '§2.1 §8 Ubuntu 22.04 with e1000 → warned', props: { os_distro: 'ubuntu', os_version: '22.04', hw_vif_model: 'e1000' }, id: 'vif-model-emulated-for-virtio-guest', raised: true },
    { name: '§2.1 §8 RHEL 9 with e1000e → warned', props: { os_distro: 'rhel', os_version: '9.2', hw_vif_model: 'e1000e' }, id: 'vif-model-emulated-for-virtio-guest', raised: true },
    { name: '§3.2 RHEL 5.0 (no virtio-net) with e1000 → not warned', props: { os_distro: 'rhel', os_version: '5.0', hw_vif_model: 'e1000' }, id: 'vif-model-emulated-for-virtio-guest', raised: false },
    { name: '§3.1 Windows 2022 without virtio-win, e1000e → not warned', props: { ...WIN2022, hw_vif_model: 'e1000e' }, id: 'vif-model-emulated-for-virtio-guest', raised: false },
    { name: '§3.1 Windows 2022 with virtio-win, e1000e → warned', props: { ...WIN2022, os_virtio_drivers: 'true', hw_vif_model: 'e1000e' }, id: 'vif-model-emulated-for-virtio-guest', raised: true },
    { name: '§8 Ubuntu 22.04 with virtio → not warned', props: { os_distro: 'ubuntu', os_version: '22.04', hw_vif_model: 'virtio' }, id: 'vif-model-emulated-for-virtio-guest', raised: false },
    { name: '§2.3 §8 Debian 12 on sata → warned', props: { os_distro: 'debian', os_version: '12', hw_disk_bus: 'sata' }, id: 'disk-bus-emulated-for-virtio-guest', raised: true },
    { name: '§2.3 §8 CentOS 6 on ide → warned', props: { os_distro: 'centos', os_version: '6', hw_disk_bus: 'ide' }, id: 'disk-bus-emulated-for-virtio-guest', raised: true },
    { name: '§3.1 Windows 2022 without virtio-win on sata → not warned', props: { ...WIN2022, hw_disk_bus: 'sata' }, id: 'disk-bus-emulated-for-virtio-guest', raised: false },
    { name: '§2.3 Ubuntu 22.04 on scsi + virtio-scsi → not warned', props: { os_distro: 'ubuntu', os_version: '22.04', hw_disk_bus: 'scsi', hw_scsi_model: 'virtio-scsi' }, id: 'disk-bus-emulated-for-virtio-guest', raised: false },
  ])('$name', ({ props, id, raised }) => {
    const result = validate(lab, { properties: props, flavor: null }, ctx());
    expect(result.findings.some((f) => f.id === id)).toBe(raised);
    if (raised) expect(result.verdict).not.toBe('pass');
  });
});
