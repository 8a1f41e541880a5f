// What a caller asks the rules: the workload, the ports, the devices.
import type { Flavor, Image } from './snapshot.ts';

export type WorkloadProfile =
  | 'general'
  | 'network-throughput'
  | 'nfv-dataplane'
  | 'storage-heavy'
  | 'legacy-guest'
  | 'pci-passthrough';

/** Neutron binding:vnic_type values (domain.md §1.6). */
export type VnicType =
  | 'normal'
  | 'direct'
  | 'macvtap'
  | 'baremetal'
  | 'direct-physical'
  | 'virtio-forwarder'
  | 'smart-nic'
  | 'vdpa'
  | 'accelerator-direct'
  | 'accelerator-direct-physical'
  | 'remote-managed';

export interface PciDeviceRequest {
  /** 4-hex-digit ids, e.g. 8086 / 154c; or a Placement resource class. */
  vendorId?: string;
  productId?: string;
  resourceClass?: string;
  deviceType?: 'type-PCI' | 'type-PF' | 'type-VF';
  count: number;
}

export interface AdviceRequest {
  image: Image;
  flavor: Flavor | null;
  workload: WorkloadProfile;
  vnicType: VnicType;
  /** Own numbers instead of (or on top of) the profile's. */
  nics?: number;
  disks?: number;
  /** SR-IOV VFs wanted per instance; devices are picked from what Placement shows. */
  vfs?: number;
  pci?: PciDeviceRequest[];
  /**
   * The operator says the guest has (true) or lacks (false) virtio drivers, e.g. virtio-win in a
   * Windows image; overrides the image property `os_virtio_drivers` (src/rules/README.md).
   */
  virtioDrivers?: boolean;
  /**
   * `[pci] alias` name → Placement resource class, for aliases in the flavor that the heuristics
   * cannot map (aliases live in nova.conf, no API shows them: domain.md §4.2).
   */
  aliasResourceClasses?: Record<string, string>;
  /** How many of the hosts that fit the capacity lists (the rest are counted only). */
  capacityHosts?: number;
}

