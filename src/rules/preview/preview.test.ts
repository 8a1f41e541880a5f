import { describe, expect, it } from 'vitest';
import { advise, defaultRuleContext, preview, type RuleContext } from '../index.ts';
import type { PreviewInput } from './preview.ts';
import { LAB_FLAVORS, LAB_IMAGES, flavor, image, labSnapshot, request } from '../test-fixtures.ts';
import type { HostFacts, NovaPreview, VnicType } from '../../model/index.ts';

const lab = labSnapshot();
const ctx = (facts: Partial<HostFacts> = {}): RuleContext => {
  const base = defaultRuleContext();
  return { ...base, hostFacts: { ...base.hostFacts, ...facts } };
};
const run = (props: Record<string, string>, specs: Record<string, string> = {}, facts: Partial<HostFacts> = {}, vnicType: VnicType = 'normal', vcpus = 4): NovaPreview =>
  preview(lab, { image: image(props), flavor: flavor('f', vcpus, 1024, 10, specs), vnicType }, ctx(facts));
const nic = (p: NovaPreview) => [p.nic.model.value, p.nic.driverName.value, p.nic.queues.value, p.nic.rxQueueSize.value, p.nic.txQueueSize.value, p.nic.packed.value];

describe('NIC: model, <driver name>, queues, queue sizes, packed ring', () => {
  it.each<{ name: string; props: Record<string, string>; specs?: Record<string, string>; facts?: Partial<HostFacts>; vnic?: VnicType; vcpus?: number; nic: unknown[] }>([
    { name: '§2.1 step 3 unset model ⇒ virtio, no driver name', props: {}, nic: ['virtio', null, null, null, null, false] },
    { name: '§2.2 kvm + multiqueue ⇒ vhost, queues = vCPUs (kernel ≥ 5)', props: { hw_vif_multiqueue_enabled: 'true' }, nic: ['virtio', 'vhost', 4, null, null, false] },
    { name: '§2.2 kernel 3 caps queues at 8', props: { hw_vif_multiqueue_enabled: 'true' }, facts: { kernelMajor: 3 }, vcpus: 16, nic: ['virtio', 'vhost', 8, null, null, false] },
    { name: '§2.2 max_queues wins over the kernel', props: { hw_vif_multiqueue_enabled: 'true' }, facts: { maxQueues: 2 }, nic: ['virtio', 'vhost', 2, null, null, false] },
    { name: '§2.1 step 6 rx_queue_size alone forces vhost', props: {}, facts: { rxQueueSize: 1024 }, nic: ['virtio', 'vhost', null, 1024, null, false] },
    { name: '§2.1 step 6 virt_type=qemu ⇒ driver qemu, multiqueue ignored', props: { hw_vif_multiqueue_enabled: 'true' }, facts: { virtType: 'qemu' }, nic: ['virtio', 'qemu', null, null, null, false] },
    { name: '§2.2 vhost-user: no driver name, queues and both sizes', props: { hw_vif_multiqueue_enabled: 'true' }, facts: { ovsDpdk: true, rxQueueSize: 512, txQueueSize: 512 }, nic: ['virtio', null, 4, 512, 512, false] },
    { name: '§2.1 step 5 e1000: no driver, no queues', props: { hw_vif_model: 'e1000' }, nic: ['e1000', null, null, null, null, false] },
    { name: '§2.1 step 1 direct port: no model at all, packed still emitted', props: { hw_vif_model: 'virtio', hw_virtio_packed_ring: 'true' }, vnic: 'direct', nic: [null, null, null, null, null, true] },
    { name: '§1.3 packed ring from the flavor', props: {}, specs: { 'hw:virtio_packed_ring': 'yes' }, nic: ['virtio', null, null, null, null, true] },
    { name: '§1.2 VMware spelling VirtualE1000e ⇒ e1000e', props: { hw_vif_model: 'VirtualE1000e' }, nic: ['e1000e', null, null, null, null, false] },
  ])('$name', ({ props, specs, facts, vnic, vcpus, nic: expected }) => {
    expect(nic(run(props, specs, facts, vnic, vcpus))).toEqual(expected);
  });

  it('§2.4 libosinfo short-id: the reason says the implicit choice is arbitrary', () => {
    expect(run({ os_distro: 'ubuntu22.04' }).nic.model.reason).toMatch(/osinfo-db's first NIC.*e1000e/);
  });
});

describe('storage and machine type', () => {
  it.each<{ name: string; props: Record<string, string>; facts?: Partial<HostFacts>; storage: unknown[] }>([
    { name: '§2.3 all unset on pc: virtio / ide / fdc, no SCSI controller, pc', props: {}, storage: ['virtio', 'ide', 'fdc', null, 'pc'] },
    { name: '§2.3 q35 ⇒ CD-ROM on sata', props: { hw_machine_type: 'q35' }, storage: ['virtio', 'sata', 'fdc', null, 'q35'] },
    { name: '§2.3 declared default machine type q35', props: {}, facts: { defaultMachineType: 'pc-q35-8.2' }, storage: ['virtio', 'sata', 'fdc', null, 'pc-q35-8.2'] },
    { name: '§2.3 aarch64 ⇒ machine virt, CD-ROM scsi', props: { hw_architecture: 'aarch64' }, storage: ['virtio', 'scsi', 'fdc', null, 'virt'] },
    { name: '§1.2 §2.3 lab ubuntu: scsi + virtio-scsi controller', props: LAB_IMAGES.ubuntu.properties, storage: ['scsi', 'ide', 'fdc', 'virtio-scsi', 'pc'] },
  ])('$name', ({ props, facts, storage }) => {
    const p = run(props, {}, facts);
    expect([p.storage.diskBus.value, p.storage.cdromBus.value, p.storage.floppyBus.value, p.storage.scsiModel.value, p.machineType.value]).toEqual(storage);
  });
});

describe('failures by stage, with Nova\'s error names', () => {
  it.each<{ name: string; props: Record<string, string>; specs?: Record<string, string>; facts?: Partial<HostFacts>; vcpus?: number; failures: string[] }>([
    { name: '§1.1 §2.7 unknown hw_vif_model ⇒ api 400 InvalidRequest (Invalid image metadata)', props: { hw_vif_model: 'virtio-net' }, failures: ['api:InvalidRequest:hw_vif_model'] },
    { name: '§1.1 unknown hw_scsi_model ⇒ api 400', props: { hw_scsi_model: 'megasas' }, failures: ['api:InvalidRequest:hw_scsi_model'] },
    { name: '§1.3 §2.7 multiqueue flavor ≠ image ⇒ FlavorImageConflict', props: { hw_vif_multiqueue_enabled: 'false' }, specs: { 'hw:vif_multiqueue_enabled': 'true' }, failures: ['api:FlavorImageConflict:hw_vif_multiqueue_enabled'] },
    { name: '§1.3 image page size without flavor any/large ⇒ MemoryPageSizeForbidden', props: { hw_mem_page_size: '2MB' }, failures: ['api:MemoryPageSizeForbidden:hw_mem_page_size'] },
    { name: '§1.2 §2.7 lan9118 on kvm ⇒ compute UnsupportedHardware', props: { hw_vif_model: 'lan9118' }, failures: ['compute-build:UnsupportedHardware:hw_vif_model'] },
    { name: '§1.2 hw_disk_bus=xen ⇒ compute UnsupportedHardware', props: { hw_disk_bus: 'xen' }, failures: ['compute-build:UnsupportedHardware:hw_disk_bus'] },
    { name: '§2.2 kvm multiqueue without vhost-net ⇒ the guest does not start', props: { hw_vif_multiqueue_enabled: 'true' }, facts: { vhostNet: false }, failures: ['compute-build:libvirtError:hw_vif_multiqueue_enabled'] },
    { name: '§4.7 nothing has PCPU ⇒ scheduler NoValidHost', props: {}, specs: { 'hw:cpu_policy': 'dedicated' }, failures: ['scheduler:NoValidHost:null'] },
    { name: '§1.5 an extra spec Nova\'s validators refuse ⇒ flavor-validation ValidationError', props: {}, specs: { 'hw:cpu_policy': 'pinned' }, failures: ['flavor-validation:ValidationError:hw:cpu_policy'] },
    { name: '§1.5 a key unknown to Zed\'s table on a newer release may be valid there: no failure', props: {}, specs: { 'hw:no_such_spec': '1' }, failures: [] },
    { name: '§4.2 alias nobody can map ⇒ PciRequestAliasNotDefined', props: {}, specs: { 'pci_passthrough:alias': 'mystery:1' }, failures: ['api:PciRequestAliasNotDefined:pci_passthrough:alias'] },
  ])('$name', ({ props, specs, facts, vcpus, failures }) => {
    expect(run(props, specs, facts, 'normal', vcpus).failures.map((f) => `${f.stage}:${f.error}:${f.field}`)).toEqual(failures);
  });

  it('§2.7 only API failures carry an HTTP status (400)', () => {
    expect(run({ hw_vif_model: 'virtio-net', hw_disk_bus: 'xen' }).failures.map((f) => [f.stage, f.httpStatus])).toEqual([['api', 400], ['compute-build', null]]);
  });

  it.each([
    { name: '4 disks + the config drive on IDE', disks: 4, configDrive: true, failures: ['TooManyDiskDevices'] },
    { name: '3 disks + the config drive on IDE', disks: 3, configDrive: true, failures: [] },
    { name: '4 disks, no CD-ROM', disks: 4, configDrive: false, failures: [] },
  ])('§2.3 IDE holds at most 4 devices: $name', ({ disks, configDrive, failures }) => {
    const p = preview(lab, { image: image({ hw_disk_bus: 'ide' }), flavor: flavor('f', 1, 512, 1), vnicType: 'normal', disks, configDrive }, ctx());
    expect(p.failures.map((f) => f.error)).toEqual(failures);
  });
});

describe('silently ignored settings', () => {
  it.each<{ name: string; props: Record<string, string>; specs?: Record<string, string>; facts?: Partial<HostFacts>; vnic?: VnicType; vcpus?: number; ignored: string[] }>([
    { name: '§1.3 multiqueue on 1 vCPU', props: { hw_vif_multiqueue_enabled: 'true' }, vcpus: 1, ignored: ['hw_vif_multiqueue_enabled'] },
    { name: '§2.2 §7 surprise 7 multiqueue on virt_type=qemu', props: { hw_vif_multiqueue_enabled: 'true' }, facts: { virtType: 'qemu' }, ignored: ['hw_vif_multiqueue_enabled'] },
    { name: '§1.6 hw_vif_model on a direct port', props: { hw_vif_model: 'virtio' }, vnic: 'direct', ignored: ['hw_vif_model'] },
    { name: '§1.2 hw_rng_model, §1.1 os_version', props: { hw_rng_model: 'virtio', os_version: '22.04' }, ignored: ['hw_rng_model', 'os_version'] },
    { name: '§1.5 flavor hw:vif_model is no extra spec', props: {}, specs: { 'hw:vif_model': 'virtio' }, ignored: ['hw:vif_model'] },
    { name: '§2.5 hw_viommu_model switches the prefilter off for every trait', props: { hw_vif_model: 'virtio', hw_viommu_model: 'intel' }, facts: { imageMetadataPrefilter: true }, ignored: ['COMPUTE_NET_VIF_MODEL_VIRTIO'] },
  ])('$name', ({ props, specs, facts, vnic, vcpus, ignored }) => {
    expect(run(props, specs, facts, vnic, vcpus).ignored.map((i) => i.field)).toEqual(ignored);
  });

  it('§2.5 the prefilter block says on/off, applied and the traits', () => {
    const off = run(LAB_IMAGES.ubuntu.properties).imagePrefilter;
    const on = run(LAB_IMAGES.ubuntu.properties, {}, { imageMetadataPrefilter: true }).imagePrefilter;
    expect([off.enabled, off.applied, on.enabled, on.applied, on.traits]).toEqual([false, false, true, true, ['COMPUTE_NET_VIF_MODEL_VIRTIO', 'COMPUTE_STORAGE_BUS_SCSI']]);
  });
});

describe('placement query and candidate hosts on the lab', () => {
  const input = (fl: PreviewInput['flavor']): PreviewInput => ({ image: LAB_IMAGES.ubuntu, flavor: fl, vnicType: 'normal', aliasResourceClasses: { 'sriov-nic': 'CUSTOM_PCI_NIC_VF', 'nic-pf': 'CUSTOM_PCI_NIC_PF' } });

  it.each([
    { name: '§4.6 lab.tiny', fl: LAB_FLAVORS.tiny, hosts: ['lab-compute-1', 'lab-compute-2'] },
    { name: '§4.6 §4.7 lab.sriov: only compute-2 has 2 free VFs', fl: LAB_FLAVORS.sriov, hosts: ['lab-compute-2'] },
    { name: '§4.6 lab.pf', fl: LAB_FLAVORS.pf, hosts: ['lab-compute-1', 'lab-compute-2'] },
    { name: '§1.5 lab.pinned asks PCPU, which no lab host has', fl: LAB_FLAVORS.pinned, hosts: [] },
  ])('$name → $hosts', ({ fl, hosts }) => {
    const answer = preview(lab, input(fl), ctx({ pciInPlacement: true }));
    expect(answer.candidateHosts).toEqual(hosts);
    expect(answer.candidateHostCount).toBe(hosts.length);
  });

  it('§4.6 advise puts the preview of the advised configuration in the answer, on the query capacity used', () => {
    const advice = advise(lab, request(LAB_IMAGES.ubuntu, LAB_FLAVORS.sriov, { aliasResourceClasses: { 'sriov-nic': 'CUSTOM_PCI_NIC_VF' } }), ctx({ pciInPlacement: true }));
    expect(advice.preview?.placement.groups.filter((g) => g.suffix !== '').map((g) => g.resources)).toEqual([{ CUSTOM_PCI_NIC_VF: 1 }, { CUSTOM_PCI_NIC_VF: 1 }]);
    expect(advice.preview?.candidateHosts).toEqual(advice.capacity?.hosts.filter((h) => h.instances > 0).map((h) => h.host));
    expect(advise(lab, request(LAB_IMAGES.ubuntu, null), ctx()).preview).toBeUndefined();
  });
});
