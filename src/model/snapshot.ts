// The cloud as a snapshot: what a sync reads from Nova, Glance and Placement (design.md "Data flow").
// Plain data shared by sync, store, rules, advisor and api; imports nothing outside this folder.
import type { CloudApis } from './release.ts';

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
  /**
   * Projects a private flavor is shared with: `tenant_id`s of Nova's `GET /flavors/{flavor_id}/os-flavor-access`
   * (NOVA api-ref flavor-access.inc); [] for a public flavor, which Nova gives no access list.
   */
  accessProjects: string[];
}

/** A project an image is shared with, and whether it took the share (GLANCE api-ref images-sharing-v2.inc). */
export interface ImageMember {
  /** Glance's `member_id`: a project id. */
  project: string;
  status: 'pending' | 'accepted' | 'rejected';
}

export interface Image {
  id: string;
  name: string | null;
  status: string;
  visibility: string | null;
  diskFormat: string | null;
  minDiskGb: number;
  minRamMb: number;
  /** Glance `owner`: the project that owns the image (GLANCE api-ref images-images-v2.inc). */
  owner: string | null;
  /** Glance `os_hidden`: left out of Glance's default image listing, still usable by id. */
  hidden: boolean;
  /**
   * Glance `GET /v2/images/{image_id}/members`, read for `shared` images only (Glance answers 403 "Only shared
   * images have members" for the others); [] otherwise.
   */
  members: ImageMember[];
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
  /**
   * Nova `GET /os-hypervisors/detail` of the compute node whose uuid is this provider's (domain.md §5.3): the virt driver's
   * `hypervisor_type` (libvirt: `QEMU` for kvm and qemu alike) and `hypervisor_version` (QEMU's as an integer, e.g.
   * 8002002). null where not read (the demo cloud, a token Nova's policy refuses them) or not reported.
   */
  hypervisorType: string | null;
  hypervisorVersion: number | null;
  /** The host's nova-compute service (`GET /os-services?binary=nova-compute`: NOVA api-ref os-services.inc); null where not read. */
  computeService: ComputeServiceState | null;
}

/** Whether the scheduler may place instances on a host: a disabled or forced-down service takes none. */
export interface ComputeServiceState {
  /** `status: disabled`. */
  disabled: boolean;
  /** `forced_down`: set by an operator or fencing tool (NOVA api-ref os-services.inc). */
  forcedDown: boolean;
}

export interface CloudSnapshot {
  id: string;
  cloud: string;
  region: string | null;
  /** ISO 8601 time the data was read from the cloud. */
  takenAt: string;
  source: 'demo' | 'openstack';
  /** The APIs' version documents as read by the sync, which tell the Nova release (domain.md §5.3); null/null for the demo cloud. */
  apis: CloudApis;
  flavors: Flavor[];
  images: Image[];
  hosts: Host[];
}


/** The snapshot an answer rests on, as every answer names it. */
export interface SnapshotRef {
  id: string;
  cloud: string;
  source: CloudSnapshot['source'];
  takenAt: string;
  /** Seconds between takenAt and the answer. */
  ageSeconds: number;
}
