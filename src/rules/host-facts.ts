// Declared host facts: what no OpenStack API shows (domain.md §2.6, §7 surprise 6).
import type { HostFacts } from './types.ts';

/**
 * Defaults follow Nova's own defaults where one exists (image_metadata_prefilter False,
 * pci_in_placement False, max_queues unset, x86 machine type `pc`: §2.2, §2.3, §2.5, §4.5) and a
 * typical current KVM compute otherwise (kvm, vhost_net loaded, Linux ≥ 5, no OVS-DPDK).
 */
export const DEFAULT_HOST_FACTS: HostFacts = {
  virtType: 'kvm',
  vhostNet: true,
  ovsDpdk: false,
  maxQueues: null,
  kernelMajor: 5,
  imageMetadataPrefilter: false,
  pciInPlacement: false,
  defaultMachineType: 'pc',
};
