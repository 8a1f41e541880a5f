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
  /** The same, provider by provider (domain.md §4.7: capacity = int((total − reserved) × ratio), free = capacity − used). */
  pciProviders?: PciProviderFree[];
  /** Why it does not fit: resource or trait, with numbers. Empty when it fits. */
  blockers: Finding[];
}

export interface PciProviderFree {
  provider: string;
  resourceClass: string;
  capacity: number;
  used: number;
  free: number;
}

/**
 * Where the request fits, summed over every host, with the hosts that fit most listed: per-host detail of all
 * hosts would make the answer grow with the cloud (GET /v1/hosts and /v1/pci/capacity page through it).
 */
export interface Capacity {
  hostsChecked: number;
  hostsThatFit: number;
  totalInstances: number;
  /** Free units of each resource class the request asks for, summed over the hosts that fit. */
  free: Record<string, number>;
  /** Hosts that fit, most instances first (then by name), at most `AdviceRequest.capacityHosts` of them. */
  hosts: HostFit[];
  /**
   * Hosts that do not fit, per blocker: the resource class(es), `trait:<name>` or the image property whose device
   * trait is missing (the blocker's `field`). A host with several blockers counts under each.
   */
  blocked: Record<string, number>;
  /** The first few hosts (by name) that do not fit, with their blockers. */
  blockedExamples: HostFit[];
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
  identifiedBy: 'os_distro' | 'os_type' | 'image-name' | 'unknown';
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

export interface Advice {
  guest: GuestIdentity;
  imageProperties: Recommendation[];
  flavorExtraSpecs: Recommendation[];
  pciAliases: PciAliasAdvice[];
  capacity: Capacity | null;
  findings: Finding[];
  /** What Nova and libvirt will do with the advised image and flavor (only when a flavor is given). */
  preview?: NovaPreview;
}

export type Verdict = 'pass' | 'warn' | 'fail';

// ---------------------------------------------------------------- what Nova will do (preview)

/** One request group of GET /allocation_candidates (domain.md §4.6, §5.5). */
export interface PlacementRequestGroup {
  /** '' for the unsuffixed group, else the suffix Nova appends to `resources` / `required`. */
  suffix: string;
  resources: Record<string, number>;
  required: string[];
  forbidden: string[];
  /**
   * `placement`: in the query. `pci-passthrough-filter`: a flavor PCI device that, with pci_in_placement off,
   * only the PciPassthroughFilter checks after Placement (domain.md §4.5).
   */
  checkedBy: 'placement' | 'pci-passthrough-filter';
  reason: string;
}

export interface PreviewNote {
  /** What the note explains, e.g. a trait, `group_policy`, `limit`. */
  subject: string;
  reason: string;
  /** domain.md section(s) or Nova source it rests on. */
  source: string;
}

/** The GET /allocation_candidates request Nova's scheduler sends (NOVA `scheduler/utils.py` ResourceRequest). */
export interface PlacementQuery {
  groups: PlacementRequestGroup[];
  rootRequired: string[];
  rootForbidden: string[];
  groupPolicy: 'none' | 'isolate' | null;
  limit: number;
  /** The query string as Nova encodes it (parameters sorted, form-encoded). */
  query: string;
  notes: PreviewNote[];
}

export interface PreviewValue<T> {
  value: T;
  reason: string;
  source: string;
  evidence: Evidence[];
}

export type NovaStage = 'api' | 'scheduler' | 'compute';

/** Where server create would fail, with Nova's own error name. */
export interface PreviewFailure {
  stage: NovaStage;
  /** Nova exception or error name, e.g. `FlavorImageConflict`, `NoValidHost`, `UnsupportedHardware`. */
  error: string;
  /** HTTP status the API answers (stage api), else null: later failures put the server in ERROR. */
  httpStatus: number | null;
  field: string | null;
  message: string;
  source: string;
  evidence: Evidence[];
}

/** A setting Nova accepts but silently does not apply. */
export interface PreviewIgnored {
  field: string;
  value: string;
  reason: string;
  source: string;
}

export interface NovaPreview {
  vnicType: VnicType;
  nic: {
    /** `<model type=…>`; null when no model element is written (passthrough ports). */
    model: PreviewValue<string | null>;
    /** `<driver name=…>`; null when the attribute is absent (libvirt picks vhost-net if loaded, else qemu). */
    driverName: PreviewValue<'vhost' | 'qemu' | null>;
    queues: PreviewValue<number | null>;
    rxQueueSize: PreviewValue<number | null>;
    txQueueSize: PreviewValue<number | null>;
    packed: PreviewValue<boolean>;
  };
  storage: {
    diskBus: PreviewValue<string>;
    cdromBus: PreviewValue<string>;
    floppyBus: PreviewValue<string>;
    /** SCSI controller model Nova writes; null = none written (libvirt/QEMU default). */
    scsiModel: PreviewValue<string | null>;
  };
  machineType: PreviewValue<string>;
  /** `[scheduler] image_metadata_prefilter`: the traits the image properties compute, and whether Nova adds them. */
  imagePrefilter: { enabled: boolean; applied: boolean; traits: string[]; invalidTraits: string[]; reason: string; source: string };
  placement: PlacementQuery;
  /** How many hosts Placement would return for the query (and, for PCI without pci_in_placement, the PciPassthroughFilter keeps). */
  candidateHostCount: number;
  /** The first of those hosts by name (at most PREVIEW_CANDIDATE_NAMES). */
  candidateHosts: string[];
  failures: PreviewFailure[];
  ignored: PreviewIgnored[];
}

// ---------------------------------------------------------------- rule inputs that are not in the snapshot

export type VirtType = 'kvm' | 'qemu';

/**
 * What no OpenStack API shows and the operator declares (domain.md §2.6, §7 surprise 6). Every answer
 * resting on one of these says so with evidence source `declared-host-fact`.
 */
export interface HostFacts {
  /** `[libvirt] virt_type`. */
  virtType: VirtType;
  /** The `vhost_net` kernel module is loaded on the computes (§2.2). */
  vhostNet: boolean;
  /** Computes use OVS-DPDK, i.e. vhost-user ports (§2.2). */
  ovsDpdk: boolean;
  /** `[libvirt] max_queues`, or null when unset (§2.2). */
  maxQueues: number | null;
  /** Compute host kernel major version; caps multiqueue when max_queues is unset (§2.2). */
  kernelMajor: number;
  /** `[scheduler] image_metadata_prefilter` (§2.5). */
  imageMetadataPrefilter: boolean;
  /** `[filter_scheduler] pci_in_placement`: aliases may use resource_class / traits (§4.2, §4.5). */
  pciInPlacement: boolean;
  /** Machine type used when the image sets no `hw_machine_type` (`[libvirt] hw_machine_type`; Nova's x86 default `pc`, §2.3). */
  defaultMachineType: string;
  /** `[libvirt] rx_queue_size` (256, 512, 1024) or unset; vhost / vhost-user only (§2.2). */
  rxQueueSize?: number | null;
  /** `[libvirt] tx_queue_size` (256, 512, 1024) or unset; vhost-user only (§2.2). */
  txQueueSize?: number | null;
}

/**
 * Facts declared for some hosts only (HOST_FACTS_FILE, docs/host-facts.md): every condition given must
 * hold — the snapshot's cloud, a Placement aggregate uuid of the host, a trait of its root provider; none
 * given ⇒ every host. Later entries win over earlier ones and over `RuleContext.hostFacts`.
 */
export interface HostFactsOverride {
  cloud?: string;
  aggregate?: string;
  trait?: string;
  /** Where it was declared, for messages, e.g. `clouds.prod.overrides[0] (aggregate rack2)`. */
  label: string;
  facts: Partial<HostFacts>;
}

/** From this guest version on, Nova should use this emulated NIC when virtio-net is missing. */
export interface VersionedNic {
  from: string;
  model: string;
}

/**
 * What one OS distro supports, by first version (domain.md §3.2). Plain data: the built-in table and an
 * osinfo-db loader produce the same shape. Versions are dotted numbers; `0` = every version; null = never.
 * Windows versions are NT versions (XP 5.1, 7/2008 R2 6.1, 10/2016+ 10.0).
 */
export interface GuestFamilyKnowledge {
  /** Canonical distro name, e.g. `rhel`, `ubuntu`, `win`. */
  distro: string;
  family: 'linux' | 'windows' | 'bsd' | 'other';
  /** `os_distro` spellings meaning this distro (Glance vocabulary, virt-v2v names), lower-case. */
  names: string[];
  /** libosinfo short-id prefixes followed by the version, e.g. `rhel` for `rhel9.4`. */
  shortIdPrefixes: string[];
  firstVersion: {
    virtioNet: string | null;
    virtioBlk: string | null;
    virtioScsi: string | null;
    q35: string | null;
  };
  /** Emulated NIC to use without virtio-net, newest `from` that the version reaches wins. */
  emulatedNics: VersionedNic[];
  /** virtio only with out-of-tree drivers the image must declare (Windows: virtio-win, §3.1). */
  virtioNeedsDrivers: boolean;
  /** Where the row comes from, e.g. `domain.md §3.2` or an osinfo-db path. */
  ref: string;
}

export interface GuestKnowledge {
  source: 'osinfo-db' | 'builtin-table';
  /** e.g. `builtin` or `/usr/share/osinfo (VERSION 20240701)`. */
  ref: string;
  families: GuestFamilyKnowledge[];
  /** Exact libosinfo short-ids known to this knowledge, → distro + version (an osinfo-db loader fills it). */
  shortIds: Record<string, { distro: string; version: string | null }>;
}

export interface FindingDefinition {
  id: string;
  severity: Severity;
  /** When it is raised. */
  trigger: string;
  /** What the operator should do. */
  remedy: string;
  /** domain.md section(s) it rests on. */
  source: string;
}

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
