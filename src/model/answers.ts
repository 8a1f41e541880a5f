// What the rules answer: findings with evidence, recommended values, PCI aliases, capacity, the guest.
import type { NovaPreview } from './preview.ts';
import type { FactAssumption, ReleaseAssumption } from './release.ts';

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
  | 'nova-default'
  /** The Nova release the answer assumes (`release`), e.g. ref `zed`. */
  | 'nova-release'
  /** What Nova's API showed of a host: os-services (`compute-service`), os-hypervisors (`hypervisor_type`). */
  | 'nova-api';

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
  /**
   * The same, provider by provider, for the classes the request asks of providers only (domain.md §4.7: capacity =
   * int((total − reserved) × ratio), free = capacity − used); absent when it asks none.
   */
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

/** One provider's part of an instance's allocation, as Placement records it (`GET /allocations/{consumer}`, domain.md §5.5). */
export interface ProviderAllocation {
  /** Provider name: the root (the compute node) or a nested PCI provider `<host>_<PF address>` (domain.md §4.5). */
  provider: string;
  uuid: string;
  /** Units per resource class. */
  resources: Record<string, number>;
  /** The request groups it serves: '' the unsuffixed group, else the numbered group's suffix (Placement's `mappings`). */
  groups: string[];
}

/** Which providers of one host get how many units of each class for one instance (domain.md §4.6, §4.7). */
export interface InstanceAllocation {
  host: string;
  uuid: string;
  /** The root first, then the nested providers by name. */
  allocations: ProviderAllocation[];
  groupPolicy: 'none' | 'isolate' | null;
  /**
   * true: the only allocation this host allows for the request. false: one of several equally valid ones; Placement
   * returns them in an undefined order (the PCI claim, without pci_in_placement, picks from its pools), so another may
   * be recorded. `reason` says which.
   */
  unique: boolean;
  reason: string;
  source: string;
}

/** Devices asked for that Placement does not show: capacity cannot count them (domain.md §4.4, §4.5). */
export interface CapacityUnknown {
  /** The resource class, or `vnicType` for Neutron SR-IOV ports. */
  field: string;
  reason: string;
  evidence: Evidence[];
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
  /**
   * `unknown` when some device asked for is invisible to Placement (listed in `unknown`): the counts above leave those
   * devices out, so they are upper bounds; `no` when no host fits; else `yes`.
   */
  fits: 'yes' | 'no' | 'unknown';
  unknown: CapacityUnknown[];
  /**
   * What the PCI devices alone allow (the numbered groups on nested providers, with their group_policy), whatever else
   * blocks: so a non-PCI blocker (no PCPU, say) does not hide what the devices would give. null when none is asked (or none Placement shows).
   */
  pciOnly: { hostsThatFit: number; totalInstances: number } | null;
  /** The allocation of one instance on the first host of `hosts`; null when no host fits. */
  allocation: InstanceAllocation | null;
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

export interface Advice {
  guest: GuestIdentity;
  imageProperties: Recommendation[];
  flavorExtraSpecs: Recommendation[];
  pciAliases: PciAliasAdvice[];
  capacity: Capacity | null;
  findings: Finding[];
  /** What Nova and libvirt will do with the advised image and flavor (only when a flavor is given). */
  preview?: NovaPreview;
  /** The Nova release the answer assumes and how it is known. */
  release: ReleaseAssumption;
  /** Every fact the answer rests on (the release first), observed, declared or assumed by default. */
  assumptions: FactAssumption[];
}

export type Verdict = 'pass' | 'warn' | 'fail';

/** What validating proposed image properties answers: fail on any error finding, warn on any warning. */
export interface Validation {
  verdict: Verdict;
  findings: Finding[];
  guest: GuestIdentity;
  /** The Nova release the answer assumes and how it is known. */
  release: ReleaseAssumption;
  /** Every fact the answer rests on (the release first), observed, declared or assumed by default. */
  assumptions: FactAssumption[];
  /** Per proposed device property: which hosts in scope support it, and what to use instead when it is wrong. */
  properties: PropertyCheck[];
}

/**
 * Of the hosts an image + flavor can land on, how many report a device trait, lack it while reporting others of its
 * family, or report no trait of the family (non-libvirt drivers: unknown, not unsupported; domain.md §2.6).
 */
export interface HostSupport {
  hosts: number;
  supporting: number;
  lacking: number;
  unknown: number;
  /** The first hosts of each kind by name, at most NAMED_HOSTS (findings catalog) each. */
  examples: { supporting: string[]; lacking: string[]; unknown: string[] };
}

export interface PropertyCheck {
  key: string;
  /** As proposed (as Nova reads it, legacy names applied), or null when unset. */
  value: string | null;
  /** The trait a host reports when it can provide the value (domain.md §2.5, §2.6); null when none (value refused, no trait). */
  trait: string | null;
  hosts: HostSupport | null;
  /** The value to set instead, when this one is refused, unsupported or wrong for the guest or ports; else null. */
  replacement: { value: string; reason: string; evidence: Evidence[] } | null;
}

