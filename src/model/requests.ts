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

/**
 * The Neutron backend that binds `normal` ports (domain.md §1.6, §2.2), named after the ML2 agent / firewall it
 * implies because that is what decides the binding's vif_type Nova receives: `linuxbridge` → vif_type bridge;
 * `ovs` (ML2/OVS with the openvswitch firewall, or OVN) → vif_type ovs, os-vif VIFOpenVSwitch; `ovs-hybrid`
 * (ML2/OVS with iptables_hybrid) → vif_type ovs with ovs_hybrid_plug, os-vif VIFBridge on a qbr bridge;
 * `ovs-dpdk` (datapath_type netdev) → vif_type vhostuser (NOVA `network/os_vif_util.py`).
 */
export type VnicBackend = 'linuxbridge' | 'ovs' | 'ovs-hybrid' | 'ovs-dpdk';

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
  /** Backend of normal ports; default from the declared host facts (ovsDpdk → ovs-dpdk, else ovs). */
  vnicBackend?: VnicBackend;
  /** Own numbers instead of (or on top of) the profile's. */
  nics?: number;
  disks?: number;
  /** Server create with `config_drive: true` (the preview's disk mapping). */
  configDrive?: boolean;
  /** The root disk is a volume (the preview's disk mapping and SCSI units). */
  bootFromVolume?: boolean;
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

/**
 * What validating proposed image properties takes: everything a recommendation takes about the instance (workload,
 * ports, devices, guest drivers), but the capacity listing; workload and vnic type default to general / normal.
 */
export interface ValidationInput extends Partial<Omit<AdviceRequest, 'image' | 'flavor' | 'capacityHosts'>> {
  properties: Record<string, string>;
  flavor: Flavor | null;
}
