// Snapshot builders for the rules' tests: the shared OpenStack lab (../shared/openstack-lab/README.md)
// and small hand-made hosts. Test support only.
import type { AdviceRequest, CloudSnapshot, Flavor, Host, Image, Inventory, PciProvider, ReleaseAssumption } from '../model/index.ts';

export function inventory(total: number, extra: Partial<Inventory> = {}): Inventory {
  return { total, reserved: 0, minUnit: 1, maxUnit: total, stepSize: 1, allocationRatio: 1, ...extra };
}

export function flavor(name: string, vcpus: number, ramMb: number, diskGb: number, extraSpecs: Record<string, string> = {}, extra: Partial<Flavor> = {}): Flavor {
  return { id: name, name, vcpus, ramMb, diskGb, ephemeralGb: 0, swapMb: 0, isPublic: true, accessProjects: [], extraSpecs, ...extra };
}

export function image(properties: Record<string, string>, name: string | null = 'test-image'): Image {
  return { id: name ?? 'anon', name, status: 'active', visibility: 'public', diskFormat: 'qcow2', minDiskGb: 0, minRamMb: 0, owner: null, hidden: false, members: [], properties };
}

export function pciProvider(hostName: string, address: string, resourceClass: string, total: number, used: number, traits: string[], extra: Partial<Inventory> = {}): PciProvider {
  return {
    uuid: `${hostName}-${address}`, name: `${hostName}_${address}`, parentUuid: hostName, rootUuid: hostName,
    resourceClass, traits: ['COMPUTE_MANAGED_PCI_DEVICE', ...traits].sort(), inventory: inventory(total, extra), used,
  };
}

const LIBVIRT_KVM_TRAITS = [
  'COMPUTE_NODE',
  ...['VIRTIO', 'E1000', 'E1000E', 'NE2K_PCI', 'PCNET', 'RTL8139', 'SPAPR_VLAN', 'VMXNET3'].map((m) => `COMPUTE_NET_VIF_MODEL_${m}`),
  ...['VIRTIO', 'SCSI', 'IDE', 'USB', 'FDC', 'SATA'].map((b) => `COMPUTE_STORAGE_BUS_${b}`),
];

export function host(name: string, opts: { vcpus?: number; ramMb?: number; diskGb?: number; traits?: string[]; usages?: Record<string, number>; pci?: PciProvider[]; inventories?: Record<string, Inventory> } = {}): Host {
  return {
    uuid: name, name, traits: [...(opts.traits ?? LIBVIRT_KVM_TRAITS)].sort(), aggregates: [],
    inventories: opts.inventories ?? {
      VCPU: inventory(opts.vcpus ?? 32, { allocationRatio: 16 }),
      MEMORY_MB: inventory(opts.ramMb ?? 65536, { reserved: 512, allocationRatio: 1.5 }),
      DISK_GB: inventory(opts.diskGb ?? 1000),
    },
    usages: opts.usages ?? {}, pciProviders: opts.pci ?? [], hypervisorType: null, hypervisorVersion: null, computeService: null,
  };
}

/** What the demo cloud shows of its APIs: nothing, so answers assume master by default. */
export const NO_APIS = { computeMaxMicroversion: null, placementMaxMicroversion: null };

/** The release rules called directly in tests assume: master, as for the demo cloud. */
export const MASTER: ReleaseAssumption = { release: 'master', from: 'default', candidates: ['master'], evidence: 'test' };

/** What the lab (Nova 26 Zed) shows: compute API max microversion 2.93 (domain.md §5.3). */
export const ZED_APIS = { computeMaxMicroversion: '2.93', placementMaxMicroversion: '1.39' };

export function snapshot(hosts: Host[]): CloudSnapshot {
  return { id: 'test', cloud: 'test', region: null, takenAt: '2026-01-01T00:00:00Z', source: 'demo', apis: NO_APIS, flavors: [], images: [], hosts };
}

/** The lab after its boot of lab-pci-vm (lab.sriov) on lab-compute-1: both VFs there are used. */
export function labSnapshot(): CloudSnapshot {
  const labPci = (h: string, vfUsed: number) => [
    pciProvider(h, '0000:01:00.0', 'CUSTOM_PCI_NIC_PF', 1, 0, ['CUSTOM_LAB_PF']),
    pciProvider(h, '0000:02:00.0', 'CUSTOM_PCI_NIC_VF', 1, vfUsed, ['HW_NIC_SRIOV', 'CUSTOM_LAB_VF']),
    pciProvider(h, '0000:03:00.0', 'CUSTOM_PCI_NIC_VF', 1, vfUsed, ['HW_NIC_SRIOV', 'CUSTOM_LAB_VF']),
  ];
  return snapshot([
    host('lab-compute-1', { usages: { VCPU: 2, MEMORY_MB: 2048, DISK_GB: 10 }, pci: labPci('lab-compute-1', 1) }),
    host('lab-compute-2', {
      vcpus: 16, ramMb: 32768, diskGb: 500,
      traits: [...LIBVIRT_KVM_TRAITS.filter((t) => t !== 'COMPUTE_NET_VIF_MODEL_E1000'), 'CUSTOM_LAB_RACK_B'],
      pci: labPci('lab-compute-2', 0),
    }),
  ]);
}

export const LAB_FLAVORS = {
  tiny: flavor('lab.tiny', 1, 512, 1, { 'hw:vif_multiqueue_enabled': 'true' }),
  sriov: flavor('lab.sriov', 2, 2048, 10, { 'pci_passthrough:alias': 'sriov-nic:2', 'hw:vif_multiqueue_enabled': 'true' }),
  pf: flavor('lab.pf', 2, 2048, 10, { 'pci_passthrough:alias': 'nic-pf:1' }),
  pinned: flavor('lab.pinned', 4, 4096, 20, {
    'hw:cpu_policy': 'dedicated', 'hw:cpu_thread_policy': 'prefer', 'hw:mem_page_size': 'large',
    'hw:vif_multiqueue_enabled': 'true', 'pci_passthrough:alias': 'sriov-nic:1',
  }),
};

export const LAB_IMAGES = {
  ubuntu: image({ hw_vif_model: 'virtio', hw_disk_bus: 'scsi', hw_scsi_model: 'virtio-scsi', os_distro: 'ubuntu', os_version: '22.04', os_type: 'linux', hw_vif_multiqueue_enabled: 'true', hw_qemu_guest_agent: 'yes' }, 'lab-ubuntu-22.04'),
  rhel: image({ hw_vif_model: 'e1000', hw_disk_bus: 'sata', os_distro: 'rhel', os_version: '9.2', os_type: 'linux', hw_machine_type: 'q35' }, 'lab-rhel-9'),
  windows: image({ hw_vif_model: 'e1000e', hw_disk_bus: 'ide', os_distro: 'windows', os_version: '2022', os_type: 'windows', hw_firmware_type: 'uefi' }, 'lab-windows-2022'),
};

export function request(img: Image, fl: Flavor | null, extra: Partial<AdviceRequest> = {}): AdviceRequest {
  return { image: img, flavor: fl, workload: 'general', vnicType: 'normal', ...extra };
}
