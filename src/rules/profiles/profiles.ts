// Workload profiles: the defaults each kind of workload starts from; request numbers override them.
import type { AdviceRequest, HostFacts, WorkloadProfile } from '../../model/index.ts';

export interface ProfileDefaults {
  nics: number;
  disks: number;
  /** SR-IOV VFs per instance requested through a flavor alias. */
  vfs: number;
  /** Whole PCI devices (type-PCI / PF) per instance requested through a flavor alias. */
  pciDevices: number;
  multiqueue: boolean;
  /** Disk bus preference for guests with virtio. */
  diskBus: 'virtio' | 'virtio-scsi';
  hugepages: boolean;
  cpuPinning: boolean;
  /** Use emulated devices even when the guest has virtio (migrated or driverless guests). */
  emulatedDevices: boolean;
}

export interface WorkloadProfileDefinition {
  name: WorkloadProfile;
  description: string;
  defaults: ProfileDefaults;
}

const BASE: ProfileDefaults = {
  nics: 1, disks: 1, vfs: 0, pciDevices: 0, multiqueue: false, diskBus: 'virtio',
  hugepages: false, cpuPinning: false, emulatedDevices: false,
};

export const WORKLOAD_PROFILES: readonly WorkloadProfileDefinition[] = [
  {
    name: 'general',
    description: 'Any guest: explicit paravirtual devices where the guest has drivers, emulated ones otherwise.',
    defaults: BASE,
  },
  {
    name: 'network-throughput',
    description: 'Many flows through normal ports: virtio-net with multiqueue on kvm + vhost-net (domain.md §2.2).',
    defaults: { ...BASE, multiqueue: true },
  },
  {
    name: 'nfv-dataplane',
    description: 'Packet processing: SR-IOV VFs (2 per instance), or vhost-user on OVS-DPDK hosts, with huge pages, dedicated CPUs and multiqueue (domain.md §1.6, §2.2, §4).',
    defaults: { ...BASE, nics: 2, vfs: 2, multiqueue: true, hugepages: true, cpuPinning: true },
  },
  {
    name: 'storage-heavy',
    description: 'Many volumes / discard: disks on one virtio-scsi controller (domain.md §2.3, §8).',
    defaults: { ...BASE, disks: 8, diskBus: 'virtio-scsi' },
  },
  {
    name: 'legacy-guest',
    description: 'Migrated or driverless guests: emulated NIC and disk bus whatever the guest could do (domain.md §3.4, §8).',
    defaults: { ...BASE, emulatedDevices: true },
  },
  {
    name: 'pci-passthrough',
    description: 'One whole PCI device (GPU, accelerator, PF) per instance through a flavor alias (domain.md §4.2, §4.3).',
    defaults: { ...BASE, pciDevices: 1 },
  },
];

/**
 * The profile's defaults with the request's own numbers on top. On OVS-DPDK hosts the NFV profile
 * uses vhost-user ports instead of VFs unless the request asks for VFs (domain.md §2.2).
 */
export function resolveProfile(request: Pick<AdviceRequest, 'workload' | 'nics' | 'disks' | 'vfs' | 'pci'>, facts: HostFacts): ProfileDefaults {
  const defaults = WORKLOAD_PROFILES.find((p) => p.name === request.workload)?.defaults ?? BASE;
  const profileVfs = request.workload === 'nfv-dataplane' && facts.ovsDpdk ? 0 : defaults.vfs;
  return {
    ...defaults,
    nics: request.nics ?? defaults.nics,
    disks: request.disks ?? defaults.disks,
    vfs: request.vfs ?? profileVfs,
    pciDevices: request.pci ? 0 : defaults.pciDevices,
  };
}
