// Facts about the computes that no OpenStack API shows and the operator declares (docs/host-facts.md).

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
