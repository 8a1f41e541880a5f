// The findings catalog: every finding the rules can raise, with a stable id the API, the CLI and
// operators' scripts can rely on. Severity lives here only, so a rule cannot contradict the catalog.
import type { Evidence, Finding, Severity, Verdict } from '../../model/index.ts';

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

export const FINDINGS = [
  // ---------------------------------------------------------------- rejected by Nova (400) or fails the build
  {
    id: 'image-property-invalid-value', severity: 'error',
    trigger: 'An hw_vif_model / hw_disk_bus / hw_cdrom_bus / hw_scsi_model / hw_architecture value is not in Nova\'s enum.',
    remedy: 'Use one of the listed values; server create fails with HTTP 400 "Invalid image metadata".',
    source: 'domain.md §1.1, §1.2, §2.7',
  },
  {
    id: 'disk-bus-removed', severity: 'error',
    trigger: 'hw_disk_bus is xen, uml or lxc: accepted by the enum but not by a kvm/qemu compute.',
    remedy: 'Use virtio (or scsi / sata / ide for driverless guests).',
    source: 'domain.md §1.2, §7 (Wallaby)',
  },
  {
    id: 'vif-model-invalid-for-virt-type', severity: 'error',
    trigger: 'hw_vif_model is valid for Nova but not for the declared virt_type (e.g. lan9118 on kvm, vmxnet).',
    remedy: 'Pick a model from the virt_type list; otherwise the build fails on the compute (UnsupportedHardware).',
    source: 'domain.md §1.2, §2.1',
  },
  {
    id: 'vif-model-unsupported-on-all-hosts', severity: 'error',
    trigger: 'No host reports the COMPUTE_NET_VIF_MODEL_* trait of the NIC model.',
    remedy: 'Choose a model the hosts report, or fix the hosts.',
    source: 'domain.md §2.5, §2.6',
  },
  {
    id: 'vif-model-unsupported-on-some-hosts', severity: 'warning',
    trigger: 'Some hosts that report NIC model traits lack this model.',
    remedy: 'Enable [scheduler] image_metadata_prefilter or keep the image off those hosts; builds there fail late.',
    source: 'domain.md §2.5, §2.6',
  },
  {
    id: 'disk-bus-unsupported-on-all-hosts', severity: 'error',
    trigger: 'No host reports the COMPUTE_STORAGE_BUS_* trait of the disk bus.',
    remedy: 'Choose a bus the hosts report.',
    source: 'domain.md §2.5, §2.6',
  },
  {
    id: 'disk-bus-unsupported-on-some-hosts', severity: 'warning',
    trigger: 'Some hosts that report storage bus traits lack this bus.',
    remedy: 'Enable [scheduler] image_metadata_prefilter or keep the image off those hosts.',
    source: 'domain.md §2.5, §2.6',
  },
  {
    id: 'ide-on-q35', severity: 'error',
    trigger: 'hw_disk_bus=ide (or hw_cdrom_bus=ide) with a q35 machine type: q35 has no IDE controller.',
    remedy: 'Use sata on q35, or hw_machine_type=pc for IDE.',
    source: 'domain.md §2.3, §3.4, §7 surprise 9',
  },
  {
    id: 'ide-too-many-disks', severity: 'error',
    trigger: 'More than 4 disk devices requested on the IDE bus.',
    remedy: 'Use sata (q35) or virtio; IDE is limited to 4 devices (TooManyDiskDevices).',
    source: 'domain.md §2.3',
  },
  {
    id: 'multiqueue-flavor-image-conflict', severity: 'error',
    trigger: 'Flavor hw:vif_multiqueue_enabled and image hw_vif_multiqueue_enabled disagree.',
    remedy: 'Set one of them, or make them equal; server create fails with FlavorImageConflict (400).',
    source: 'domain.md §1.3, §2.7',
  },
  {
    id: 'packed-ring-flavor-image-conflict', severity: 'error',
    trigger: 'Flavor hw:virtio_packed_ring and image hw_virtio_packed_ring disagree.',
    remedy: 'Make them equal; server create fails with FlavorImageConflict (400).',
    source: 'domain.md §1.3, §2.7',
  },
  {
    id: 'mem-page-size-forbidden', severity: 'error',
    trigger: 'Image hw_mem_page_size set while the flavor hw:mem_page_size is absent or not any/large.',
    remedy: 'Set flavor hw:mem_page_size=large (or any), or drop the image property (MemoryPageSizeForbidden, 400).',
    source: 'domain.md §1.3',
  },
  {
    id: 'multiqueue-needs-vhost-net', severity: 'error',
    trigger: 'Multiqueue on kvm while the hosts are declared without vhost-net.',
    remedy: 'Load vhost_net on the computes or disable multiqueue: Nova forces driver vhost and the guest fails to start.',
    source: 'domain.md §2.2, §7 surprise 7',
  },
  {
    id: 'guest-lacks-virtio-driver', severity: 'error',
    trigger: 'The image asks for a virtio NIC / disk / SCSI controller the guest has no driver for.',
    remedy: 'Use the emulated model recommended, or install the drivers (virtio-win for Windows) and declare them.',
    source: 'domain.md §3.2, §3.3, §3.4, §8',
  },
  {
    id: 'vif-model-emulated-for-virtio-guest', severity: 'warning',
    trigger: 'hw_vif_model is an emulated NIC (e1000, e1000e, rtl8139, ne2k_pci, pcnet, igb) while the guest has a virtio-net driver.',
    remedy: 'Set hw_vif_model=virtio: paravirtual, faster, and the only model with vhost-net and multiqueue.',
    source: 'domain.md §2.1, §2.2, §3.2, §8',
  },
  {
    id: 'disk-bus-emulated-for-virtio-guest', severity: 'warning',
    trigger: 'hw_disk_bus is an emulated bus (ide, sata, usb) while the guest has a virtio-blk driver.',
    remedy: 'Set hw_disk_bus=virtio (or scsi with hw_scsi_model=virtio-scsi for many disks or discard).',
    source: 'domain.md §2.3, §3.2, §8',
  },
  {
    id: 'implicit-disk-bus-unsupported-by-guest', severity: 'error',
    trigger: 'hw_disk_bus unset: Nova defaults to virtio on kvm/qemu, which this guest cannot boot from.',
    remedy: 'Set hw_disk_bus explicitly (sata on q35, ide on pc).',
    source: 'domain.md §2.3, §2.4',
  },
  {
    id: 'vhost-user-needs-virtio', severity: 'error',
    trigger: 'vhost-user ports (vnic_backend ovs-dpdk, hosts declared OVS-DPDK, or vnic_type virtio-forwarder) with a non-virtio hw_vif_model.',
    remedy: 'Use hw_vif_model=virtio: libvirt requires the virtio model for vhost-user.',
    source: 'domain.md §1.6, §2.2',
  },
  {
    id: 'vhost-user-guest-without-virtio', severity: 'error',
    trigger: 'vhost-user ports for a guest known (or declared, os_virtio_drivers=false / virtio_drivers) to have no virtio-net driver.',
    remedy: 'Give the guest virtio drivers and declare them (os_virtio_drivers=true), or use ports it can drive: a vhost-net backend (ovs, linuxbridge) with an emulated NIC.',
    source: 'domain.md §1.6, §2.2, §3.1',
  },
  {
    id: 'vhost-user-needs-hugepages', severity: 'error',
    trigger: 'vhost-user (OVS-DPDK) ports without hw:mem_page_size in the flavor.',
    remedy: 'Set flavor hw:mem_page_size=large; otherwise the interface appears but passes no traffic.',
    source: 'domain.md §2.2, §8',
  },
  {
    id: 'flavor-device-model-extra-spec', severity: 'error',
    trigger: 'Flavor has hw:vif_model / hw:disk_bus / hw:scsi_model: not Nova extra specs, rejected since 2.86.',
    remedy: 'Remove them and set the image properties instead.',
    source: 'domain.md §1.5, §7 surprise 3',
  },
  {
    id: 'pci-alias-syntax-invalid', severity: 'error',
    trigger: 'pci_passthrough:alias does not match name:count[,name:count...].',
    remedy: 'Write e.g. "sriov-nic:2" or "a1:1, a2:1".',
    source: 'domain.md §1.5',
  },
  {
    id: 'group-policy-invalid', severity: 'error',
    trigger: 'Flavor group_policy is neither none nor isolate.',
    remedy: 'Use none (devices may share a provider) or isolate (one provider per device).',
    source: 'domain.md §1.5, §4.6',
  },
  {
    id: 'flavor-bool-invalid', severity: 'error',
    trigger: 'A boolean flavor extra spec is not 1/t/true/on/y/yes or 0/f/false/off/n/no.',
    remedy: 'Use true or false; flavor extra specs are validated strictly.',
    source: 'domain.md §1.1',
  },
  {
    id: 'no-host-fits', severity: 'error',
    trigger: 'No host can take one instance of the request (resources, PCI devices or traits).',
    remedy: 'See each host\'s blockers.',
    source: 'domain.md §4.6, §4.7',
  },
  // ---------------------------------------------------------------- works, but badly or by luck
  {
    id: 'unknown-guest-os', severity: 'warning',
    trigger: 'os_distro / os_type / image name do not identify a guest the knowledge table has.',
    remedy: 'Set os_distro (and os_version); until then the advice assumes no virtio drivers.',
    source: 'domain.md §3.2, §3.3',
  },
  {
    id: 'guest-version-unknown', severity: 'warning',
    trigger: 'The distro is known but not its version; virtio support is assumed for Linux/BSD releases.',
    remedy: 'Set os_version so the advice can check the first release with virtio.',
    source: 'domain.md §3.2',
  },
  {
    id: 'implicit-nic-model-arbitrary', severity: 'warning',
    trigger: 'hw_vif_model unset and os_distro is a libosinfo short-id: Nova takes an arbitrary osinfo-db NIC (often e1000e / e1000).',
    remedy: 'Always set hw_vif_model explicitly.',
    source: 'domain.md §2.4, §7 surprise 1',
  },
  {
    id: 'implicit-nic-model-unsupported-by-guest', severity: 'warning',
    trigger: 'hw_vif_model unset: Nova defaults to virtio (use_virtio_for_bridges), which this guest has no driver for.',
    remedy: 'Set hw_vif_model to the emulated model recommended.',
    source: 'domain.md §2.1',
  },
  {
    id: 'scsi-bus-without-model', severity: 'warning',
    trigger: 'hw_disk_bus=scsi without hw_scsi_model: libvirt/QEMU pick their default controller.',
    remedy: 'Add hw_scsi_model=virtio-scsi.',
    source: 'domain.md §2.3',
  },
  {
    id: 'multiqueue-on-qemu', severity: 'warning',
    trigger: 'Multiqueue requested with virt_type=qemu: silently ignored.',
    remedy: 'Use kvm hosts, or drop the setting.',
    source: 'domain.md §2.2, §7 surprise 7',
  },
  {
    id: 'multiqueue-single-vcpu', severity: 'warning',
    trigger: 'Multiqueue requested for a flavor with fewer than 2 vCPUs: ignored.',
    remedy: 'Use a flavor with >= 2 vCPUs, or drop the setting.',
    source: 'domain.md §1.3, §2.2',
  },
  {
    id: 'multiqueue-non-virtio', severity: 'warning',
    trigger: 'Multiqueue requested with a non-virtio NIC model: no effect.',
    remedy: 'Use hw_vif_model=virtio.',
    source: 'domain.md §2.1',
  },
  {
    id: 'prefilter-disabled-by-property', severity: 'warning',
    trigger: 'hw_viommu_model, hw_architecture=armv7l or an unlisted hw_emulation_architecture computes a trait os-traits lacks: the image prefilter adds no trait at all.',
    remedy: 'Expect NIC / disk traits not to be required for this image.',
    source: 'domain.md §2.5, §7 surprise 4',
  },
  {
    id: 'pci-alias-unresolved', severity: 'warning',
    trigger: 'A flavor alias name could not be mapped to a Placement resource class.',
    remedy: 'Pass aliasResourceClasses in the request (alias -> resource class).',
    source: 'domain.md §4.2, §4.5',
  },
  {
    id: 'pci-alias-needs-pci-in-placement', severity: 'warning',
    trigger: 'The derived alias has only resource_class/traits (no vendor/product ids), but pci_in_placement is declared off.',
    remedy: 'Enable [filter_scheduler] pci_in_placement, or replace resource_class by vendor_id/product_id.',
    source: 'domain.md §4.2, §4.5',
  },
  {
    id: 'pci-device-not-in-placement', severity: 'warning',
    trigger: 'Requested PCI devices match no nested Placement provider.',
    remedy: 'Check [pci] device_spec and report_in_placement on the computes.',
    source: 'domain.md §4.5, §4.7',
  },
  {
    id: 'neutron-sriov-not-in-placement', severity: 'warning',
    trigger: 'vnic_type direct / macvtap / direct-physical: the VFs have a physical_network and are not in Placement.',
    remedy: 'Check free VFs on the computes (PCI tracker); the advisor cannot count them.',
    source: 'domain.md §4.4, §4.5, §7 surprise 8',
  },
  {
    id: 'virtio-win-drivers-undeclared', severity: 'warning',
    trigger: 'A Windows guest does not declare virtio-win drivers: emulated devices are advised.',
    remedy: 'If virtio-win (viostor, vioscsi, netkvm) is installed, set os_virtio_drivers=true on the image.',
    source: 'domain.md §3.1, §3.4, §8',
  },
  // ---------------------------------------------------------------- for the operator's information
  {
    id: 'os-distro-not-short-id', severity: 'info',
    trigger: 'os_distro uses the Glance vocabulary (ubuntu, windows, rhel...), not a libosinfo short-id.',
    remedy: 'Nothing to fix; Nova\'s libosinfo lookup ignores it, so hw_vif_model / hw_disk_bus must be explicit.',
    source: 'domain.md §1.4, §2.4, §7 surprise 2',
  },
  {
    id: 'guest-identified-from-image-name', severity: 'info',
    trigger: 'No usable os_distro: the guest was guessed from the image name.',
    remedy: 'Set os_distro and os_version.',
    source: 'domain.md §1.4',
  },
  {
    id: 'vif-model-irrelevant-for-vnic-type', severity: 'info',
    trigger: 'Ports are passed through (direct, direct-physical, vdpa, remote-managed, accelerator-*): hw_vif_model has no effect on them.',
    remedy: 'Keep hw_vif_model only for ports of other types.',
    source: 'domain.md §1.6, §2.1',
  },
  {
    id: 'virt-type-no-device-advice', severity: 'info',
    trigger: 'The hosts are declared virt_type lxc or parallels: NIC model and disk bus advice does not apply (lxc takes no NIC model and the lxc bus; parallels virtio / rtl8139 / e1000 and ide / scsi).',
    remedy: 'Leave hw_vif_model / hw_disk_bus unset (lxc), or pick from the parallels lists.',
    source: 'domain.md §1.2, §2.1, §2.3',
  },
  {
    id: 'igb-hypervisor-too-old', severity: 'warning',
    trigger: 'hw_vif_model=igb and the declared libvirt (< 9.3.0) or QEMU (< 8.0.0) version - or the lowest QEMU version os-hypervisors reports - is below igb\'s minimum.',
    remedy: 'Upgrade libvirt / QEMU on the computes, or use e1000e.',
    source: 'domain.md §1.2, §5.3',
  },
  {
    id: 'igb-needs-recent-hypervisor', severity: 'info',
    trigger: 'hw_vif_model=igb needs Nova 2025.1+, libvirt >= 9.3.0 and QEMU >= 8.0.0.',
    remedy: 'Check the hosts report COMPUTE_NET_VIF_MODEL_IGB.',
    source: 'domain.md §1.2',
  },
  {
    id: 'legacy-property-read', severity: 'warning',
    trigger: 'vmware_adaptertype set where hw_disk_bus (or hw_scsi_model) is not: Nova reads it as hw_disk_bus=ide, or as hw_disk_bus=scsi with hw_scsi_model=<value>.',
    remedy: 'Set hw_disk_bus (and hw_scsi_model if scsi) explicitly, or remove vmware_adaptertype from the image.',
    source: 'domain.md §1.1',
  },
  {
    id: 'rng-model-no-effect', severity: 'info',
    trigger: 'hw_rng_model set: Nova adds a virtio RNG anyway since Ussuri.',
    remedy: 'Nothing to do; the property can be dropped.',
    source: 'domain.md §1.2, §7',
  },
  {
    id: 'scsi-model-without-scsi-bus', severity: 'info',
    trigger: 'hw_scsi_model set while hw_disk_bus is not scsi: only the controller is created.',
    remedy: 'Set hw_disk_bus=scsi if the disks should sit on that controller.',
    source: 'domain.md §2.3',
  },
  {
    id: 'pci-alias-heuristic', severity: 'info',
    trigger: 'A flavor alias name was mapped to a Placement resource class by name heuristics.',
    remedy: 'Confirm it against [pci] alias in nova.conf, or pass aliasResourceClasses.',
    source: 'domain.md §4.2',
  },
  {
    id: 'pci-alias-ambiguous', severity: 'info',
    trigger: 'Several resource classes match the alias; the one with the most free devices was taken.',
    remedy: 'Pass aliasResourceClasses to choose.',
    source: 'domain.md §4.2, §4.7',
  },
  // ---------------------------------------------------------------- capacity blockers, one host each
  {
    id: 'host-resource-missing', severity: 'warning',
    trigger: 'The host has no inventory of a resource class the request needs (e.g. PCPU for hw:cpu_policy=dedicated).',
    remedy: 'Use other hosts, or configure that resource on this one.',
    source: 'domain.md §4.7, §5.5',
  },
  {
    id: 'host-resource-insufficient', severity: 'warning',
    trigger: 'capacity - used of a resource class is below what one instance asks.',
    remedy: 'Free capacity, raise allocation_ratio, or use other hosts.',
    source: 'domain.md §4.7',
  },
  {
    id: 'host-resource-unit-mismatch', severity: 'warning',
    trigger: 'The amount asked is outside min_unit..max_unit or not a multiple of step_size.',
    remedy: 'Adjust the flavor or the inventory.',
    source: 'domain.md §4.7',
  },
  {
    id: 'host-trait-missing', severity: 'warning',
    trigger: 'The host lacks a trait the flavor or image requires (trait:X=required, or a device model trait).',
    remedy: 'Use other hosts, or drop the requirement.',
    source: 'domain.md §1.4, §1.5, §2.5',
  },
  {
    id: 'host-trait-forbidden', severity: 'warning',
    trigger: 'The host has a trait the flavor forbids, or is disabled (COMPUTE_STATUS_DISABLED).',
    remedy: 'Use other hosts.',
    source: 'domain.md §1.5, §2.5',
  },
  {
    id: 'host-pci-insufficient', severity: 'warning',
    trigger: 'Not enough free PCI devices of the resource class (the sum of free for group_policy none, distinct providers for isolate).',
    remedy: 'Free devices, use other hosts, or relax group_policy.',
    source: 'domain.md §4.6, §4.7',
  },
  {
    id: 'host-resource-reserved', severity: 'warning',
    trigger: 'A resource class (root or PCI provider) lacks room for one instance only because of its reserved units: int((total - reserved) × allocation_ratio) - used is too small, int(total × allocation_ratio) - used would do.',
    remedy: 'Lower reserved if the units are not really held back (an operator setting, or Nova\'s one_time_use devices, reserved = total once allocated), or use other hosts.',
    source: 'domain.md §4.5, §4.7',
  },
  // ---------------------------------------------------------------- declared host facts per aggregate / trait (facts/host-facts.ts)
  {
    id: 'host-facts-differ', severity: 'warning',
    trigger: 'The hosts the image and flavor can land on are declared with different host facts (virt_type, vhost-net, OVS-DPDK, ...).',
    remedy: 'The answer assumes the value most of those hosts have; pin the flavor to alike hosts (trait:CUSTOM_...=required) or make them alike.',
    source: 'domain.md §2.2, §2.6, §7 surprise 6',
  },
  {
    id: 'host-facts-overridden', severity: 'info',
    trigger: 'Declared host facts for the hosts in scope come from a per-cloud, per-aggregate or per-trait entry of the host facts file.',
    remedy: 'Nothing to fix; check the named entry if the answer looks wrong.',
    source: 'domain.md §2.6, §7 surprise 6',
  },
  // ---------------------------------------------------------------- observed host facts (placement/compute-service.ts, facts/assumptions.ts)
  {
    id: 'compute-service-unavailable', severity: 'info',
    trigger: 'Some hosts\' nova-compute service is disabled or forced down (os-services): the scheduler places nothing there (COMPUTE_STATUS_DISABLED / ComputeFilter), so capacity leaves them out.',
    remedy: 'Enable the service (`openstack compute service set --enable`) or clear forced_down if the hosts should take instances.',
    source: 'domain.md §2.5, §5.3',
  },
  {
    id: 'nova-conf-read', severity: 'info',
    trigger: 'HOST_FACTS_FILE names nova.conf files: the answer lists the options read into declared facts and those not understood.',
    remedy: 'Nothing to fix; check the options not understood if the answer looks wrong (docs/host-facts.md "nova.conf").',
    source: 'domain.md §2.6, §7 surprise 6',
  },
  {
    id: 'hypervisor-not-libvirt', severity: 'info',
    trigger: 'Some hosts report a hypervisor_type other than QEMU (libvirt reports QEMU for kvm and qemu alike): NIC / disk / queue / machine-type advice for them rests on the declared virt_type, not on what they run.',
    remedy: 'Nothing to fix if those hosts are test hosts (e.g. the fake driver); else scope flavors to libvirt hosts.',
    source: 'domain.md §2, §5.3',
  },
  // ---------------------------------------------------------------- proposed [pci] device_spec / alias (pci/config)
  {
    id: 'pci-config-json-invalid', severity: 'error',
    trigger: 'A [pci] device_spec entry is not a JSON object or list of objects, or an [pci] alias entry is not a JSON object.',
    remedy: 'Fix the JSON; nova-compute (device_spec, PciConfigInvalidSpec) or nova-api (alias) refuses it.',
    source: 'domain.md §4.1, §4.2',
  },
  {
    id: 'pci-device-spec-invalid', severity: 'error',
    trigger: 'A device_spec has a bad vendor_id / product_id / address, both address and devname, or a tag value Nova refuses (managed, live_migratable, one_time_use; remote_managed=true on a PF; a non-string resource_class / traits with report_in_placement).',
    remedy: 'Correct the entry as the message says; nova-compute does not start with it.',
    source: 'domain.md §4.1',
  },
  {
    id: 'pci-spec-devname-in-placement', severity: 'error',
    trigger: 'A device_spec matches by devname while report_in_placement is on.',
    remedy: 'Match by address (or vendor_id / product_id) instead; nova-compute refuses devname specs when reporting to Placement.',
    source: 'domain.md §4.5',
  },
  {
    id: 'pci-spec-pf-and-vfs', severity: 'error',
    trigger: 'With report_in_placement, one spec selects the PFs of a NIC model and another its VFs, neither restricted by address.',
    remedy: 'List either the PF or its VFs on each host; nova-compute refuses to start when a PF and its VFs are both in device_spec.',
    source: 'domain.md §4.5',
  },
  {
    id: 'pci-spec-may-match-pf-and-vfs', severity: 'warning',
    trigger: 'With report_in_placement, PF and VF specs of one NIC model are restricted by addresses the advisor cannot relate, or an exact address spec has no product_id (it matches a PF and, through the parent address, its VFs).',
    remedy: 'Check that no host has a PF and one of its VFs both matched; add product_id to exact-address specs.',
    source: 'domain.md §4.1, §4.5',
  },
  {
    id: 'pci-spec-vfs-differ', severity: 'error',
    trigger: 'With report_in_placement, two specs give VFs of the same vendor:product different resource classes or traits, and may select VFs of one PF.',
    remedy: 'Give all VFs of a PF the same resource_class and traits; nova-compute refuses to start otherwise.',
    source: 'domain.md §4.5',
  },
  {
    id: 'pci-spec-not-in-placement', severity: 'info',
    trigger: 'A device_spec has physical_network (Neutron SR-IOV) or report_in_placement is off: its devices get no Placement provider.',
    remedy: 'Nothing to fix; their capacity is only in Nova\'s PCI tracker and the advisor cannot count it.',
    source: 'domain.md §4.4, §4.5',
  },
  {
    id: 'pci-spec-matches-no-provider', severity: 'info',
    trigger: 'A device_spec that reports to Placement matches none of the PCI providers Placement shows now.',
    remedy: 'Expected for new hardware; otherwise check vendor_id / product_id / address against lspci -nn.',
    source: 'domain.md §4.5, §4.7',
  },
  {
    id: 'pci-spec-changes-providers', severity: 'info',
    trigger: 'Existing PCI providers would get a different resource class or traits under the proposed device_spec.',
    remedy: 'Update flavors and aliases that name the old resource class or traits before rolling the change out.',
    source: 'domain.md §4.5',
  },
  {
    id: 'pci-device-spec-tag-not-boolean', severity: 'warning',
    trigger: 'A device_spec tags remote_managed or trusted with a value that is no boolean spelling (true / false, yes / no, 1 / 0, ...).',
    remedy: 'Write "true" or "false": Nova does not refuse the value but reads it loosely (bool_from_string, strict=False), so anything else is false.',
    source: 'domain.md §4.1',
  },
  {
    id: 'pci-spec-remote-managed-devname', severity: 'warning',
    trigger: 'A device_spec with remote_managed true selects a devname: Nova looks the netdev up on each host.',
    remedy: 'Select the VFs by address or vendor_id / product_id; nova-compute does not start on a host without that netdev (PciDeviceRemoteManagedNotPresent).',
    source: 'domain.md §4.1',
  },
  {
    id: 'pci-alias-matches-any-device', severity: 'warning',
    trigger: 'A [pci] alias has neither vendor_id + product_id nor resource_class, on a release (before 2023.1) that accepts it.',
    remedy: 'Add vendor_id + product_id: the alias takes any device of its device_type that a device_spec allows.',
    source: 'domain.md §4.2, §7 (2023.1)',
  },
  {
    id: 'pci-alias-invalid', severity: 'error',
    trigger: 'An [pci] alias entry breaks Nova\'s alias schema (name, vendor_id, product_id, device_type, numa_policy, live_migratable, unknown key), or from 2025.2 lacks vendor_id + product_id (resource_class alone counts only with pci_in_placement).',
    remedy: 'Correct the entry; Nova raises PciInvalidAlias (nova.pci.request): at server create before 2025.2 (HTTP 400), when nova-api / nova-compute start from 2025.2.',
    source: 'domain.md §4.2',
  },
  {
    id: 'pci-alias-entries-inconsistent', severity: 'error',
    trigger: 'Alias entries with the same name differ in numa_policy or device_type, or there are several while pci_in_placement is on.',
    remedy: 'Make same-name entries agree, and with pci_in_placement keep one entry per name (PciInvalidAlias).',
    source: 'domain.md §4.2',
  },
  {
    id: 'pci-alias-without-device-type', severity: 'warning',
    trigger: 'An alias has no device_type: it never matches PFs, and matches type-PCI devices and VFs alike.',
    remedy: 'Add "device_type": "type-VF" for VFs, "type-PF" for whole SR-IOV NICs, "type-PCI" otherwise.',
    source: 'domain.md §4.2, §4.3, §8',
  },
  {
    id: 'pci-alias-placement-fields-ignored', severity: 'warning',
    trigger: 'An alias has resource_class or traits while pci_in_placement is declared off.',
    remedy: 'Enable [filter_scheduler] pci_in_placement everywhere, or match by vendor_id / product_id only.',
    source: 'domain.md §4.2, §4.5',
  },
  {
    id: 'pci-alias-resource-class-not-produced', severity: 'warning',
    trigger: 'An alias asks a resource class (with its traits) that no proposed device_spec produces.',
    remedy: 'Use the resource class the device_spec gives (see the model), or add resource_class / traits to the spec.',
    source: 'domain.md §4.2, §4.5',
  },
  {
    id: 'pci-alias-matches-no-spec', severity: 'warning',
    trigger: 'An alias\'s vendor_id / product_id / device_type matches no proposed device_spec.',
    remedy: 'Fix the ids or device_type; requests for this alias can never be scheduled.',
    source: 'domain.md §4.1, §4.2',
  },
  {
    id: 'pci-alias-unused', severity: 'info',
    trigger: 'No flavor of the snapshot names the alias in pci_passthrough:alias.',
    remedy: 'Nothing to fix; add it to a flavor to use it.',
    source: 'domain.md §4.3',
  },
  {
    id: 'pci-flavor-alias-not-defined', severity: 'error',
    trigger: 'A flavor\'s pci_passthrough:alias names an alias the proposed [pci] alias list does not define.',
    remedy: 'Define the alias or change the flavor; server create fails with HTTP 400 (PciRequestAliasNotDefined).',
    source: 'domain.md §4.2, §4.3',
  },
  // ---------------------------------------------------------------- the Nova release an answer assumes (release/)
  {
    id: 'nova-release-ambiguous', severity: 'warning',
    trigger: 'The compute API\'s max microversion is the same in two releases (e.g. 2.95: 2023.1 and 2023.2); the older is assumed.',
    remedy: 'Declare nova_release for the cloud in the host facts file (docs/host-facts.md).',
    source: 'domain.md §5.3, §7',
  },
  {
    id: 'nova-release-declared-differs', severity: 'warning',
    trigger: 'The declared nova_release is not one the compute API\'s max microversion (or OWNER_NOVA) allows.',
    remedy: 'Correct nova_release in the host facts file; the answer follows the declaration.',
    source: 'domain.md §5.3, §7',
  },
  {
    id: 'flavor-extra-spec-invalid', severity: 'error',
    trigger: 'A flavor extra spec in a namespace Nova validates (hw:, hw_rng:, hw_video:, os:, quota:, resources*:, trait*:, accel:, aggregate_instance_extra_specs:, capabilities:, vmware:) has a name no validator knows or a value its validator refuses (type, enum, min / max, pattern), per the validators of Nova 26 (Zed), on Zed and later.',
    remedy: 'Fix the key or value as the message says; the flavor API refuses it with HTTP 400 (microversion 2.86+), and a flavor created earlier carries a setting Nova does not honour.',
    source: 'domain.md §1.5, §7 (since 2.86)',
  },
  {
    id: 'flavor-extra-spec-unknown', severity: 'warning',
    trigger: 'On a release newer than Zed, a flavor extra spec in a namespace Nova validates is not in the Zed validators table.',
    remedy: 'Check the key against this release\'s extra spec documentation: if it does not know it either, the flavor API refuses it (HTTP 400).',
    source: 'domain.md §1.5, §7 (since 2.86)',
  },
  {
    id: 'release-setting-refused', severity: 'error',
    trigger: 'A value the assumed Nova release does not know and refuses: hw_vif_model=igb before 2025.1 (invalid image metadata), a flavor extra spec its validator does not know (HTTP 400 since microversion 2.86).',
    remedy: 'Use a value this release has, or upgrade Nova.',
    source: 'domain.md §1.2, §1.5, §7',
  },
  {
    id: 'release-setting-ignored', severity: 'warning',
    trigger: 'A setting the assumed Nova release does not have and ignores: packed ring before 2024.1, device_spec managed / live_migratable before 2025.1, one_time_use before 2025.2, report_in_placement before Zed.',
    remedy: 'Drop it, or upgrade Nova; on this release it has no effect.',
    source: 'domain.md §1.3, §4.1, §4.5, §7',
  },
  {
    id: 'pci-in-placement-unavailable', severity: 'warning',
    trigger: 'pci_in_placement is declared on, but the assumed release has no [filter_scheduler] pci_in_placement (before 2023.1): flavor PCI devices are scheduled by the PciPassthroughFilter.',
    remedy: 'Remove pci_in_placement from the host facts, or declare the right nova_release.',
    source: 'domain.md §4.5, §7 (2023.1)',
  },
  {
    id: 'pci-alias-ids-unknown', severity: 'warning',
    trigger: 'The advised alias cannot name its devices: their provider has a custom resource class (no vendor/product id in Placement) and the release\'s alias has no resource_class.',
    remedy: 'Add vendor_id / product_id from the device_spec that sets this resource class (or lspci -nn at its address) before using the alias.',
    source: 'domain.md §4.1, §4.2, §4.5',
  },
  {
    id: 'pcpu-fallback-vcpu', severity: 'info',
    trigger: 'A pinned flavor fits hosts without PCPU inventory through the scheduler\'s VCPU fallback query ([workarounds] disable_fallback_pcpu_query, default False).',
    remedy: 'Set [compute] cpu_dedicated_set on those hosts so pinned instances consume PCPU; the NUMATopologyFilter still checks the pinning.',
    source: 'domain.md §1.5, §7',
  },
] as const satisfies readonly FindingDefinition[];

export type FindingId = (typeof FINDINGS)[number]['id'];

const SEVERITY_BY_ID = new Map<string, FindingDefinition['severity']>(FINDINGS.map((f) => [f.id, f.severity]));

/** Hosts a finding names (in its message or its evidence): the first few, the rest counted, so a finding stays readable at 15,000 hosts. */
export const NAMED_HOSTS = 10;

export function makeFinding(id: FindingId, field: string | null, message: string, evidence: Evidence[]): Finding {
  // The catalog is the only place severities live; FindingId makes a missing id a compile error.
  return { id, severity: SEVERITY_BY_ID.get(id)!, field, message, evidence };
}

const SEVERITY_ORDER: Record<Finding['severity'], number> = { error: 0, warning: 1, info: 2 };

/** Errors first, then by id and field, so output is stable whatever order the rules ran in. */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.id.localeCompare(b.id) ||
      (a.field ?? '').localeCompare(b.field ?? '') ||
      a.message.localeCompare(b.message),
  );
}

export function verdictOf(findings: Finding[]): Verdict {
  if (findings.some((f) => f.severity === 'error')) return 'fail';
  if (findings.some((f) => f.severity === 'warning')) return 'warn';
  return 'pass';
}
