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
}

