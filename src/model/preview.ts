// What Nova and libvirt will do with an image and a flavor (POST /v1/previews, recommendations' preview).
import type { Evidence, InstanceAllocation } from './answers.ts';
import type { VnicBackend, VnicType } from './requests.ts';
import type { FactAssumption, ReleaseAssumption } from './release.ts';


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

/** Where Nova stops a server create: at the API, at the flavor's extra-spec validation (API, 400), in the scheduler, while the compute builds the guest, or when a nova-compute service starts (config refused). */
export type NovaStage = 'api' | 'flavor-validation' | 'scheduler' | 'compute-build' | 'compute-start';

/** Where server create would fail, with Nova's own error name. */
export interface PreviewFailure {
  stage: NovaStage;
  /** Nova exception or error name, e.g. `FlavorImageConflict`, `NoValidHost`, `UnsupportedHardware`. */
  error: string;
  /** Where Nova raises it (module.function), e.g. `nova.pci.request._translate_alias_to_requests`. */
  raisedAt: string;
  /**
   * HTTP status the API answers for stages api / flavor-validation (400, 403 or 409 as Nova's API maps the
   * exception), else null: later failures put the server in ERROR with the error as its fault.
   */
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

/**
 * One `InstancePCIRequest` Nova records for the server (instance_extra.pci_requests): from the flavor's
 * `pci_passthrough:alias` (NOVA `nova/pci/request.py` `get_pci_requests_from_flavor`) or from an SR-IOV port
 * (NOVA `nova/network/neutron.py` `create_resource_requests`), domain.md §4.3, §1.6.
 */
export interface PreviewPciRequest {
  /** What asks the device: the flavor's alias, or an SR-IOV port of the given vnic_type. */
  requestedBy: 'flavor-alias' | 'neutron-port';
  /** The alias name (flavor requests); null for a port. */
  aliasName: string | null;
  count: number;
  /**
   * The device specs, ORed: each alias entry as Nova keeps it (`name`, `numa_policy` removed, `device_type` as
   * `dev_type`), or the port's `{physical_network, remote_managed[, dev_type]}`. Empty when the alias is unknown.
   */
  spec: Record<string, string | null>[];
  /** `alias-config`: from the `[pci] alias` given; `advised`: the alias the advisor infers from Placement; `port`; `unknown`. */
  specFrom: 'alias-config' | 'advised' | 'port' | 'unknown';
  /** `numa_policy`: the flavor's / image's PCI NUMA affinity policy, else the alias's (default legacy); null = unset (ports). */
  numaPolicy: string | null;
  numaPolicyFrom: 'flavor' | 'image' | 'alias' | 'alias-default' | 'unset';
  /** Nova leaves it empty for flavor requests; a port request carries the port id (not known before the port exists). */
  requesterId: string | null;
  /** Nova generates a new uuid per request at server create: not predictable, so not shown. */
  requestId: 'generated';
  reason: string;
  /** domain.md section(s) or Nova source it rests on. */
  source: string;
}

/** `<interface type=…>` values Nova's libvirt VIF driver writes (NOVA `virt/libvirt/vif.py`, `designer.py`). */
export type LibvirtInterfaceType = 'bridge' | 'ethernet' | 'vhostuser' | 'direct' | 'hostdev' | 'vdpa';

/** The libvirt device Nova writes for the port, and what decides it (domain.md §1.6, §2.2). */
export interface PreviewInterface {
  /** The Neutron backend assumed for the port; null where the vnic_type is bound by another driver (SR-IOV agent, Cyborg, Ironic). */
  backend: VnicBackend | null;
  /** `request`: vnic_backend given; `host-facts`: from the declared ovs_dpdk; null with backend null. */
  backendFrom: 'request' | 'host-facts' | null;
  /** binding:vif_type Nova receives from Neutron; null when no mechanism driver binds the port on a libvirt host. */
  vifType: string | null;
  /** The os-vif object Nova converts the port to (NOVA `network/os_vif_util.py`); null on the legacy path. */
  osVif: string | null;
  /** `interface`, or `hostdev` (a plain PCI `<hostdev>`: no MAC, model or driver in the XML); null: no device. */
  element: 'interface' | 'hostdev' | null;
  /** `<interface type=…>`; null with element hostdev or null. */
  type: LibvirtInterfaceType | null;
  /** `<virtualport type=…>`, or null when none is written. */
  virtualport: string | null;
  /** The Nova functions that write the element, in call order. */
  writtenBy: string[];
  reason: string;
  source: string;
  evidence: Evidence[];
}

/** A NIC setting the image, flavor or nova.conf gives, and whether the port's interface applies it. */
export interface PreviewNicSetting {
  setting: 'hw_vif_model' | 'multiqueue' | 'rx_queue_size' | 'tx_queue_size' | 'packed_ring';
  /** Where it was given, e.g. `hw_vif_model`, `hw:vif_multiqueue_enabled`, `[libvirt] rx_queue_size`. */
  field: string;
  value: string;
  applies: boolean;
  reason: string;
  source: string;
}

/**
 * One device of the guest's disk mapping, as Nova 26's `nova/virt/libvirt/blockinfo.py` `get_disk_info` assigns it
 * (root, ephemeral, swap, volumes, config drive, in that order) and `driver.py` `_get_guest_storage_config` writes it.
 */
export interface PreviewDisk {
  /** Nova's mapping key: `disk` (root image), `disk.eph0`, `disk.swap`, `disk.config`, or `/dev/<dev>` for a volume. */
  name: string;
  role: 'root' | 'ephemeral' | 'swap' | 'volume' | 'config-drive';
  /** `<disk device=…>`. */
  device: 'disk' | 'cdrom';
  bus: string;
  /** `<target dev=…>`; null on lxc (no device names). */
  dev: string | null;
  /** libvirt boot order (the root: 1), else null. */
  bootOrder: number | null;
  /** `<address type='drive' controller=… unit=…>` Nova writes with hw_scsi_model=virtio-scsi on SCSI-bus disks; null: libvirt assigns. */
  scsiAddress: { controller: number; unit: number } | null;
  reason: string;
  source: string;
}

/** A guest element Nova writes (`<features>` child, Hyper-V enlightenment, clock timer) with its attributes. */
export interface PreviewGuestElement {
  /** e.g. `acpi`, `hyperv`, `relaxed`, `spinlocks`, `pit`, `hypervclock`. */
  name: string;
  /** Attributes as libvirt XML shows them, e.g. `retries=8191`, `tickpolicy=delay`, `present=no`; null: none. */
  detail: string | null;
  reason: string;
  source: string;
}

/** `<features>` and `<clock>` Nova writes (NOVA `driver.py` `_set_features`, `_set_clock`, `_set_kvm_timers`). */
export interface PreviewGuestFeatures {
  /** The instance's os_type: the image property `os_type` as Nova copies it at create; the only guest hint these read. */
  osType: PreviewValue<string | null>;
  features: PreviewGuestElement[];
  /** `<hyperv>` enlightenments (all state on); [] when Nova writes no `<hyperv>` element. */
  hyperv: PreviewGuestElement[];
  clockOffset: PreviewValue<'utc' | 'localtime'>;
  timers: PreviewGuestElement[];
}

/** What Nova's libosinfo lookup (`nova/virt/osinfo.py`) could give for one device class (domain.md §2.4, §3.3). */
export interface PreviewLibosinfoDevice {
  /** The values Nova could take, depending on libosinfo's hash order (a listed device Nova cannot use ⇒ its own default). */
  possible: string[];
  /** What Nova takes on a compute with libosinfo: one value, or null when it depends on the compute's osinfo-db version. */
  picked: string | null;
  /** What domain.md's run observed with osinfo-db 2026-05 (libosinfo 1.10.0); null when the OS is not in that table. */
  observed: string | null;
  /** `hw_vif_model=…` / `hw_disk_bus=…` when the image sets it: then libosinfo is not asked. */
  overriddenBy: string | null;
  reason: string;
}

/** libosinfo on the compute: the models it could pick for os_distro, the one Nova picks, and the advice (§2.4, §7 surprise 1). */
export interface PreviewLibosinfo {
  /** The libosinfo short-id / OS URI Nova asks for; null when os_distro is none (libosinfo is not asked). */
  osDistro: string | null;
  /** libosinfo importable on the computes: declared, or null when unknown. */
  installed: boolean | null;
  /** The computes' osinfo-db version when declared. */
  osinfoDbVersion: string | null;
  nic: PreviewLibosinfoDevice;
  disk: PreviewLibosinfoDevice;
  /** Image properties to set explicitly to remove the dependency on the compute's libosinfo (POST /v1/recommendations gives the values). */
  advice: string[];
  reason: string;
  source: string;
}

export interface NovaPreview {
  vnicType: VnicType;
  nic: {
    interface: PreviewInterface;
    /** Every NIC setting given, applied or (silently) ignored on this interface; the ignored ones are also in `ignored`. */
    settings: PreviewNicSetting[];
    /** What the operator should know about this kind of port (live migration, whole PF, traits, versions, shared memory). */
    caveats: PreviewNote[];
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
    /** Every disk and CD-ROM of the guest: bus, device name, boot order, SCSI address. */
    disks: PreviewDisk[];
  };
  machineType: PreviewValue<string>;
  guestFeatures: PreviewGuestFeatures;
  libosinfo: PreviewLibosinfo;
  /** `[scheduler] image_metadata_prefilter`: the traits the image properties compute, and whether Nova adds them. */
  imagePrefilter: { enabled: boolean; applied: boolean; traits: string[]; invalidTraits: string[]; reason: string; source: string };
  placement: PlacementQuery;
  /** How many hosts Placement would return for the query (and, for PCI without pci_in_placement, the PciPassthroughFilter keeps). */
  candidateHostCount: number;
  /** The first of those hosts by name (at most PREVIEW_CANDIDATE_NAMES). */
  candidateHosts: string[];
  /** One instance's allocation on the candidate host that takes the most instances; null when none fits (domain.md §4.6, §4.7). */
  allocation: InstanceAllocation | null;
  /** The PCI requests Nova records for the server: flavor aliases first, then the port (domain.md §4.3). */
  pciRequests: PreviewPciRequest[];
  failures: PreviewFailure[];
  ignored: PreviewIgnored[];
  /** The Nova release the preview assumes and how it is known. */
  release: ReleaseAssumption;
  /** Every fact the preview rests on (the release first), observed, declared or assumed by default. */
  assumptions: FactAssumption[];
}

