// The values the rules work on and return. Pure data: no I/O, no clock (design.md "Rules").

// ---------------------------------------------------------------- the cloud, as a snapshot

export interface Flavor {
  id: string;
  name: string;
  vcpus: number;
  ramMb: number;
  diskGb: number;
  ephemeralGb: number;
  swapMb: number;
  isPublic: boolean;
  /** Nova flavor extra specs, verbatim (domain.md §1.5). */
  extraSpecs: Record<string, string>;
}

export interface Image {
  id: string;
  name: string | null;
  status: string;
  visibility: string | null;
  diskFormat: string | null;
  minDiskGb: number;
  minRamMb: number;
  /** Glance custom properties (hw_*, os_*, architecture, trait:*, …) as strings (domain.md §1.1). */
  properties: Record<string, string>;
}

/** One Placement inventory record (domain.md §4.7, §5.5). */
export interface Inventory {
  total: number;
  reserved: number;
  minUnit: number;
  maxUnit: number;
  stepSize: number;
  allocationRatio: number;
}

/** A nested Placement provider holding PCI devices of one resource class (domain.md §4.5). */
export interface PciProvider {
  uuid: string;
  name: string;
  parentUuid: string;
  rootUuid: string;
  resourceClass: string;
  traits: string[];
  inventory: Inventory;
  used: number;
}

/** A compute node: a root resource provider with its nested PCI providers. */
export interface Host {
  uuid: string;
  name: string;
  traits: string[];
  aggregates: string[];
  inventories: Record<string, Inventory>;
  usages: Record<string, number>;
  pciProviders: PciProvider[];
}

export interface CloudSnapshot {
  id: string;
  cloud: string;
  region: string | null;
  /** ISO 8601 time the data was read from the cloud. */
  takenAt: string;
  source: 'demo' | 'openstack';
  flavors: Flavor[];
  images: Image[];
  hosts: Host[];
}

// ---------------------------------------------------------------- what the rules answer

export type Severity = 'error' | 'warning' | 'info';

/** Where a value came from, so every answer can be checked by the operator. */
export type EvidenceSource =
  | 'image-property'
  | 'flavor'
  | 'host-trait'
  | 'placement'
  | 'osinfo-db'
  | 'builtin-table'
  | 'declared-host-fact'
  | 'request'
  | 'nova-default';

export interface Evidence {
  source: EvidenceSource;
  /** What was looked at: a property name, trait, provider name, osinfo id, config key. */
  ref: string;
  value?: string | number | boolean | null;
}

export interface Finding {
  /** Stable id from the findings catalog, e.g. `vif-model-unsupported-on-all-hosts`. */
  id: string;
  severity: Severity;
  /** The property / extra spec / request field concerned, or null for a general finding. */
  field: string | null;
  message: string;
  evidence: Evidence[];
}

export interface Recommendation {
  /** Image property or flavor extra spec name, e.g. `hw_vif_model`, `pci_passthrough:alias`. */
  key: string;
  value: string;
  /** The value the image or flavor carries now, or null when unset. */
  current: string | null;
  reason: string;
  evidence: Evidence[];
}

/** One `[pci] alias` entry for nova.conf (domain.md §4.2). */
export interface PciAlias {
  name: string;
  vendor_id?: string;
  product_id?: string;
  device_type: 'type-PCI' | 'type-PF' | 'type-VF';
  numa_policy?: 'required' | 'legacy' | 'preferred' | 'socket';
  resource_class?: string;
  traits?: string;
}

export interface PciAliasAdvice {
  alias: PciAlias;
  /** The alias as the JSON string that goes into nova.conf `[pci] alias`. */
  novaConf: string;
  count: number;
  reason: string;
  evidence: Evidence[];
}

export interface HostFit {
  host: string;
  uuid: string;
  /** How many more instances of the request fit on this host now (0 = does not fit). */
  instances: number;
  /** Free PCI devices per resource class on this host, from the nested providers. */
  freePci: Record<string, number>;
  /** Why it does not fit (or fits fewer): resource or trait, with numbers. Empty when it fits. */
  blockers: Finding[];
}

export interface Capacity {
  hosts: HostFit[];
  hostsThatFit: number;
  totalInstances: number;
}

export interface GuestIdentity {
  /** e.g. `linux`, `windows`, `bsd`, or `unknown`. */
  family: string;
  /** Normalised distro, e.g. `ubuntu`, `rhel`, `win`, or null. */
  distro: string | null;
  version: string | null;
  /** libosinfo short-id this guest matched, e.g. `ubuntu22.04`, or null. */
  osinfoId: string | null;
  /** How the guest was identified. */
  identifiedBy: 'os_distro' | 'image-name' | 'unknown';
  /** Which knowledge answered: the machine's osinfo-db or the built-in table. */
  knowledge: 'osinfo-db' | 'builtin-table' | 'none';
  virtio: { net: boolean; blk: boolean; scsi: boolean };
  evidence: Evidence[];
}

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
}

export interface Advice {
  guest: GuestIdentity;
  imageProperties: Recommendation[];
  flavorExtraSpecs: Recommendation[];
  pciAliases: PciAliasAdvice[];
  capacity: Capacity | null;
  findings: Finding[];
}

export type Verdict = 'pass' | 'warn' | 'fail';
