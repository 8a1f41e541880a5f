// Facts about the computes that no OpenStack API shows and the operator declares (docs/host-facts.md).

/** `[libvirt] virt_type` choices (NOVA `nova/conf/libvirt.py`): lxc and parallels take no NIC model / disk bus advice (§1.2, §2). */
export type VirtType = 'kvm' | 'qemu' | 'lxc' | 'parallels';

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
  /**
   * The computes' CPU architecture (Nova's spelling, e.g. `x86_64`, `aarch64`, `ppc64le`, `s390x`): the guest's when the
   * image sets no `hw_architecture`; it picks the built-in machine type and the CD-ROM bus (§2.3). Unset ⇒ x86_64.
   */
  architecture?: string;
  /**
   * `[libvirt] hw_machine_type` as Nova reads it: `arch=machine` per architecture (e.g. `{x86_64: 'q35'}`); wins over
   * `defaultMachineType` for its architecture and over Nova's built-in per-architecture defaults (§2.3).
   */
  machineTypes?: Record<string, string>;
  /**
   * `[libvirt] file_backed_memory` in MiB (0 or unset: off): guest memory is file-backed and shared, which vhost-user
   * needs, so OVS-DPDK hosts then need no huge pages (§2.2).
   */
  fileBackedMemoryMb?: number;
  /** libvirt on the computes, e.g. `9.0.0`; unset: unknown (igb needs 9.3.0, §1.2). */
  libvirtVersion?: string;
  /** QEMU on the computes, e.g. `7.2.0`; unset: the lowest os-hypervisors hypervisor_version where read (igb needs 8.0.0, §1.2). */
  qemuVersion?: string;
  /** libosinfo (its GObject introspection) is importable by nova-compute; unset: unknown (§2.4, §7 surprise 1). */
  libosinfo?: boolean;
  /** The computes' osinfo-db version, e.g. `20250606`: which NIC libosinfo picks changes with it (§2.4). */
  osinfoDbVersion?: string;
  /** `[workarounds] disable_fallback_pcpu_query` (default False): no VCPU fallback query for pinned flavors (§7). */
  disableFallbackPcpuQuery?: boolean;
  /** `[libvirt] use_virtio_for_bridges` (Nova default True): virtio when neither image nor libosinfo names a NIC model (§2.1 step 3). */
  useVirtioForBridges?: boolean;
}

/** What one nova.conf named in HOST_FACTS_FILE gave (docs/host-facts.md "nova.conf"). */
export interface NovaConfReport {
  /** The cloud it is for; absent: every cloud. */
  cloud?: string;
  /** Where it was named, e.g. `nova_conf[0] (/etc/nova/nova.conf)`. */
  label: string;
  /** Options read, `[section] key=value`. */
  read: string[];
  /** Options not understood, with why: lines that are not INI, values out of range, options of the sections read that the advisor does not use. */
  notUnderstood: string[];
}

/**
 * Facts declared for some hosts only (HOST_FACTS_FILE, docs/host-facts.md): every condition given must
 * hold — the snapshot's cloud, a Placement aggregate uuid of the host, a trait of its root provider; none
 * given ⇒ every host. Later entries win over earlier ones and over `RuleContext.hostFacts`.
 */
export interface HostFactsOverride {
  cloud?: string;
  /** A compute host by name (Placement's root provider name, Nova's hypervisor_hostname). */
  host?: string;
  aggregate?: string;
  trait?: string;
  /** Where it was declared, for messages, e.g. `clouds.prod.overrides[0] (aggregate rack2)`. */
  label: string;
  facts: Partial<HostFacts>;
}
