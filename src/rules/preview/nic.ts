// The port Nova writes for a vNIC: the libvirt device per vnic_type and Neutron backend, the model, driver name,
// queues, queue sizes and packed ring, which given setting applies on that device, and what to know about it
// (domain.md §1.6, §2.1, §2.2, §4.3, §4.4). Read against Nova 26 (Zed) `virt/libvirt/vif.py`, `designer.py`,
// `config.py` LibvirtConfigGuestInterface.format_dom and `network/os_vif_util.py`; tests/oracle/vif_oracle.py
// compares with that code.
import { expectedQueues } from '../multiqueue/multiqueue.ts';
import { defaultVnicBackend, givesHugePages } from '../devices/nic.ts';
import { FIRST_RELEASE, releaseHas } from '../release/release.ts';
import { PASSTHROUGH_VNIC_TYPES, VIF_MODELS, VIF_MODELS_BY_VIRT_TYPE, flavorEvidence, hostFactEvidence, imageEvidence, normaliseVifModel } from '../vocabulary/nova.ts';
import type { RuleScope } from '../scope.ts';
import type { Evidence, HostFacts, NovaPreview, PreviewInterface, PreviewNicSetting, PreviewNote, PreviewValue, VnicBackend, VnicType } from '../../model/index.ts';
import { boolPair, enumProperty, value, type Outcome } from './outcome.ts';

type Binding = Omit<PreviewInterface, 'backend' | 'backendFrom' | 'evidence'>;

const OS_VIF_PATH = ['vif.py get_config', 'vif.py _get_config_os_vif', 'vif.py get_base_config'];
const HW_VEB_PATH = ['vif.py get_config', 'vif.py get_config_hw_veb', 'vif.py get_base_config', 'designer.py set_vif_host_backend_hw_veb'];
const HOSTDEV_PCI: Binding = {
  vifType: 'hostdev_physical', osVif: null, element: 'hostdev', type: null, virtualport: null,
  writtenBy: ['vif.py get_config', 'vif.py get_config_hostdev_physical', 'vif.py get_base_hostdev_pci_config', 'designer.py set_vif_host_backend_hostdev_pci_config'],
  reason: "vif_type hostdev_physical: the whole PCI function as a plain <hostdev mode='subsystem' type='pci' managed='yes'>, not an <interface>: no MAC, model or driver in the XML",
  source: 'domain.md §1.6; NOVA virt/libvirt/vif.py get_config_hostdev_physical',
};

/** A vhost-user port (OVS-DPDK, or virtio-forwarder relayed to a VF): os-vif VIFVHostUser (§2.2). */
function vhostUserBinding(vifType: string, reason: string, source: string): Binding {
  return {
    vifType, osVif: 'VIFVHostUser', element: 'interface', type: 'vhostuser', virtualport: null, reason, source,
    writtenBy: [...OS_VIF_PATH, 'vif.py _set_config_VIFVHostUser', 'designer.py set_vif_host_backend_vhostuser_config'],
  };
}

/** normal ports, by the backend that binds them (NOVA `network/os_vif_util.py` `_nova_to_osvif_vif_*`). */
const NORMAL: Record<VnicBackend, Binding> = {
  linuxbridge: {
    vifType: 'bridge', osVif: 'VIFBridge', element: 'interface', type: 'bridge', virtualport: null,
    writtenBy: [...OS_VIF_PATH, 'vif.py _set_config_VIFBridge'],
    reason: "the Linux bridge agent binds vif_type bridge: os-vif VIFBridge, <interface type='bridge'> on the brq bridge, no <virtualport>",
    source: 'domain.md §1.6; NOVA network/os_vif_util.py _nova_to_osvif_vif_bridge, virt/libvirt/vif.py _set_config_VIFBridge',
  },
  ovs: {
    vifType: 'ovs', osVif: 'VIFOpenVSwitch', element: 'interface', type: 'ethernet', virtualport: null,
    writtenBy: [...OS_VIF_PATH, 'vif.py _set_config_VIFOpenVSwitch', 'vif.py _set_config_VIFGeneric', 'designer.py set_vif_host_backend_ethernet_config'],
    // Not bridge + <virtualport type='openvswitch'>: that is written only for a VIF without delegate_create.
    reason: "vif_type ovs without hybrid plug: os-vif VIFOpenVSwitch with create_port (Nova builds every Neutron VIF with delegate_create=True), so Nova writes <interface type='ethernet'> on a tap that os-vif adds to the integration bridge; <interface type='bridge'> with <virtualport type='openvswitch'> only for VIFs without delegate_create",
    source: 'NOVA network/neutron.py _build_vif_model (delegate_create=True), network/os_vif_util.py _nova_to_osvif_vif_ovs, virt/libvirt/vif.py _set_config_VIFOpenVSwitch',
  },
  'ovs-hybrid': {
    vifType: 'ovs', osVif: 'VIFBridge', element: 'interface', type: 'bridge', virtualport: null,
    writtenBy: [...OS_VIF_PATH, 'vif.py _set_config_VIFBridge'],
    reason: "vif_type ovs with ovs_hybrid_plug (iptables_hybrid firewall): os-vif VIFBridge, <interface type='bridge'> on the qbr Linux bridge between the tap and br-int, no <virtualport>",
    source: 'NOVA network/os_vif_util.py _nova_to_osvif_vif_ovs (is_hybrid_plug_enabled), virt/libvirt/vif.py _set_config_VIFBridge',
  },
  'ovs-dpdk': vhostUserBinding('vhostuser',
    "OVS-DPDK (datapath netdev) binds vif_type vhostuser with vhostuser_ovs_plug: os-vif VIFVHostUser, <interface type='vhostuser'> on a unix socket",
    'domain.md §2.2; NOVA network/os_vif_util.py _nova_to_osvif_vif_vhostuser, virt/libvirt/vif.py _set_config_VIFVHostUser'),
};

/** Other vnic types: each is bound by one kind of mechanism driver whatever the normal ports' backend (§1.6). */
const BY_VNIC_TYPE: Record<Exclude<VnicType, 'normal'>, Binding> = {
  direct: {
    vifType: 'hw_veb', osVif: null, element: 'interface', type: 'hostdev', virtualport: null, writtenBy: HW_VEB_PATH,
    reason: "the SR-IOV agent binds vif_type hw_veb: the VF as <interface type='hostdev' managed='yes'> with the port's MAC and VLAN; with OVS / OVN hardware offload (vif_type ovs, os-vif VIFHostDevice) the same element",
    source: 'domain.md §1.6; NOVA virt/libvirt/vif.py get_config_hw_veb, _set_config_VIFHostDevice',
  },
  macvtap: {
    vifType: 'hw_veb', osVif: null, element: 'interface', type: 'direct', virtualport: null, writtenBy: HW_VEB_PATH,
    reason: "the SR-IOV agent binds vif_type hw_veb: <interface type='direct'> (macvtap, source mode passthrough) on the VF's netdev; Nova then forces driver name='vhost'",
    source: 'domain.md §1.6; NOVA virt/libvirt/designer.py set_vif_host_backend_hw_veb',
  },
  'direct-physical': HOSTDEV_PCI,
  'virtio-forwarder': vhostUserBinding('agilio_ovs',
    "the Agilio OVS driver binds virtio-forwarder ports: os-vif VIFVHostUser, <interface type='vhostuser'> relayed to a VF",
    'domain.md §1.6; NOVA network/os_vif_util.py _nova_to_osvif_vif_agilio_ovs'),
  vdpa: {
    vifType: 'ovs', osVif: 'VIFHostDevice', element: 'interface', type: 'vdpa', virtualport: null,
    writtenBy: [...OS_VIF_PATH, 'designer.py set_vif_host_backend_vdpa_config'],
    reason: "ML2/OVS or OVN binds vif_type ovs: os-vif VIFHostDevice, <interface type='vdpa'> on the /dev/vhost-vdpa device of the VF",
    source: 'domain.md §1.6; NOVA network/os_vif_util.py _nova_to_osvif_vif_ovs, virt/libvirt/vif.py _get_config_os_vif',
  },
  'remote-managed': {
    vifType: 'ovs', osVif: 'VIFHostDevice', element: 'interface', type: 'hostdev', virtualport: null,
    writtenBy: [...OS_VIF_PATH, 'vif.py _set_config_VIFHostDevice', 'designer.py set_vif_host_backend_hw_veb'],
    reason: "OVN binds vif_type ovs, the SmartNIC DPU wires the representor (os-vif noop plugin): the VF as <interface type='hostdev' managed='yes'>",
    source: 'domain.md §1.6; NOVA network/os_vif_util.py _nova_to_osvif_vif_ovs (remote-managed), virt/libvirt/vif.py _set_config_VIFHostDevice',
  },
  'accelerator-direct': {
    vifType: 'hw_veb', osVif: null, element: 'interface', type: 'hostdev', virtualport: null, writtenBy: HW_VEB_PATH,
    reason: "a Cyborg-managed VF bound as vif_type hw_veb: <interface type='hostdev' managed='yes'>",
    source: 'domain.md §1.6; NOVA virt/libvirt/vif.py get_config_hw_veb (VNIC_TYPE_ACCELERATOR_DIRECT)',
  },
  'accelerator-direct-physical': { ...HOSTDEV_PCI, reason: `a Cyborg-managed PF: ${HOSTDEV_PCI.reason}` },
  baremetal: {
    vifType: null, osVif: null, element: null, type: null, virtualport: null, writtenBy: [],
    reason: 'baremetal ports are for Ironic nodes: no mechanism driver binds them on a libvirt compute, Nova writes no device', source: 'domain.md §1.6',
  },
  'smart-nic': {
    vifType: null, osVif: null, element: null, type: null, virtualport: null, writtenBy: [],
    reason: 'smart-nic ports are for Ironic nodes with a SmartNIC: no mechanism driver binds them on a libvirt compute, Nova writes no device', source: 'domain.md §1.6',
  },
};

/** The port's device: the binding for its vnic_type (and, for normal ports, the backend given or defaulted). */
function interfaceOf(facts: HostFacts, vnicType: VnicType, given: VnicBackend | undefined): PreviewInterface {
  // Its own fields around the binding's, in the schema's order (lib/objects.ts).
  if (vnicType !== 'normal') return { backend: null, backendFrom: null, ...BY_VNIC_TYPE[vnicType], evidence: [{ source: 'request', ref: 'vnicType', value: vnicType }] };
  const backend = given ?? defaultVnicBackend(facts);
  const evidence: Evidence[] = given ? [{ source: 'request', ref: 'vnicBackend', value: given }] : [hostFactEvidence('ovsDpdk', facts.ovsDpdk)];
  const binding = NORMAL[backend];
  const from = given ? `vnic_backend=${given}` : `no vnic_backend given: ${backend}, since the hosts are declared ${facts.ovsDpdk ? '' : 'not '}OVS-DPDK`;
  return { backend, backendFrom: given ? 'request' : 'host-facts', ...binding, reason: `${from}; ${binding.reason}`, evidence };
}

/** Collects the settings given and whether they apply; an ignored one also goes to the preview's `ignored`. */
class Settings {
  readonly list: PreviewNicSetting[] = [];
  constructor(private readonly out: Outcome) {}

  add(setting: PreviewNicSetting['setting'], field: string, v: string, applies: boolean, reason: string, source: string): void {
    this.list.push({ setting, field, value: v, applies, reason, source });
    if (!applies) this.out.ignore(field, v, reason, source);
  }
}

/** Where the port's guest memory is shared, which vhost-user needs (§2.2): the flavor's page size, or file_backed_memory. */
function sharedMemory(scope: RuleScope): { shared: boolean | 'maybe'; why: string; evidence: Evidence[] } {
  const pageSize = scope.flavor?.extraSpecs['hw:mem_page_size'];
  const fileBacked = scope.facts.fileBackedMemoryMb ?? 0;
  const evidence = [flavorEvidence('hw:mem_page_size', pageSize ?? null), hostFactEvidence('fileBackedMemoryMb', fileBacked)];
  if (fileBacked > 0) return { shared: true, why: `[libvirt] file_backed_memory=${fileBacked} (declared) makes guest memory file-backed and shared`, evidence };
  if (!givesHugePages(pageSize)) return { shared: false, why: `flavor ${pageSize === undefined ? 'sets no hw:mem_page_size' : `hw:mem_page_size=${pageSize}`} and no file_backed_memory is declared`, evidence };
  // `any` lets Nova fall back to small pages where no huge page fits (NOVA hardware.py _numa_fit_instance_cell).
  return pageSize!.trim().toLowerCase() === 'any'
    ? { shared: 'maybe', why: 'hw:mem_page_size=any gives shared huge-page memory only where Nova picks a huge page size; it may fall back to small pages', evidence }
    : { shared: true, why: `hw:mem_page_size=${pageSize}: huge-page guest NUMA cells get memAccess='shared'`, evidence };
}

/** What the operator should know about the port's kind, independent of the image (§2.2, §4.3, §4.4). */
function kindCaveats(vnicType: VnicType, scope: RuleScope): PreviewNote[] {
  // Each note a literal of its own (lib/objects.ts), its fields in the schema's order.
  const migrationSource = 'domain.md §4.4; NOVA virt/libvirt/driver.py _detach_direct_passthrough_vifs, migration.py _update_vif_xml';
  const migration = (reason: string, source = migrationSource): PreviewNote => ({ subject: 'live migration', reason, source });
  const unpluggedReason = 'live migration hot-unplugs this port before and re-plugs it after (guest-visible; use a bond with a failover port), and the destination needs a free device on the same physical network.';
  const unplugged = () => migration(unpluggedReason);
  switch (vnicType) {
    case 'macvtap':
      return [migration("macvtap ports stay plugged across live migration: Nova rewrites the interface for a VF on the destination, which must have a free VF on the same physical network; the guest's NIC is virtio, not the VF."),
        { subject: 'throughput', reason: 'traffic goes through the host kernel (macvtap on the VF netdev): less than direct VF passthrough, but no VF driver in the guest.', source: 'domain.md §1.6' }];
    case 'direct':
    case 'accelerator-direct':
      return [unplugged()];
    case 'direct-physical':
    case 'accelerator-direct-physical':
      return [unplugged(),
        { subject: 'whole PF', reason: 'the port consumes a whole physical function: while it is claimed none of its VFs can be used, and a PF with a VF in use cannot be claimed.', source: 'domain.md §4.3; NOVA pci/pci_device.py claim/allocate' },
        { subject: 'MAC address', reason: "Nova rewrites the Neutron port's mac_address to the PF's own MAC (no <interface> to set a MAC on).", source: 'NOVA network/neutron.py _populate_pci_mac_address' }];
    case 'vdpa':
      return [migration(`${unpluggedReason} Live migration and suspend/resume need every nova-compute at service version 63 (Zed), else OperationNotSupportedForVDPAInterface (409); interface attach/detach version 62.`, `${migrationSource}; NOVA compute/api.py reject_vdpa_instances`),
        { subject: 'versions', reason: 'vDPA needs kernel 5.7+, libvirt 6.9+ and QEMU 5.1+ on the computes, and the VF in vdpa mode (device_spec vdpa device type).', source: 'domain.md §1.6 (NOVA doc/source/admin/vdpa.rst)' }];
    case 'remote-managed': {
      const hosts = scope.hosts.filter((h) => h.traits.includes('COMPUTE_REMOTE_MANAGED_PORTS')).length;
      return [unplugged(),
        { subject: 'COMPUTE_REMOTE_MANAGED_PORTS', reason: `the scheduler requires this trait for remote-managed ports (root_required); a compute reports it with libvirt >= 7.9.0 and a device_spec tagged remote_managed. ${hosts} of ${scope.hosts.length} host(s) have it. Server create is refused (403 ForbiddenWithRemoteManagedPorts) until every nova-compute is at service version 61 (Yoga).`, source: 'domain.md §1.6; NOVA scheduler/request_filter.py remote_managed_ports_filter, compute/resource_tracker.py, compute/api.py _check_vnic_remote_managed_min_version' }];
    }
    default:
      return [];
  }
}

export function previewNic(scope: RuleScope, vnicType: VnicType, backend: VnicBackend | undefined, out: Outcome): NovaPreview['nic'] {
  const { facts, flavor, properties } = scope;
  const vcpus = flavor?.vcpus ?? 0;
  const iface = interfaceOf(facts, vnicType, backend);
  const settings = new Settings(out);
  const caveats = kindCaveats(vnicType, scope);
  const multiqueue = boolPair(scope, out, 'hw:vif_multiqueue_enabled', 'hw_vif_multiqueue_enabled');
  const packedOn = boolPair(scope, out, 'hw:virtio_packed_ring', 'hw_virtio_packed_ring');
  const imageModel = enumProperty(scope, out, 'hw_vif_model', normaliseVifModel, VIF_MODELS);
  const mqField = properties['hw_vif_multiqueue_enabled'] !== undefined ? 'hw_vif_multiqueue_enabled' : 'hw:vif_multiqueue_enabled';
  const packedField = properties['hw_virtio_packed_ring'] !== undefined ? 'hw_virtio_packed_ring' : 'hw:virtio_packed_ring';
  const rx = facts.rxQueueSize ?? null;
  const tx = facts.txQueueSize ?? null;
  const none = <T>(reason: string, source = 'domain.md §2.1'): PreviewValue<T | null> => value<T | null>(null, reason, source);
  const on = iface.type ? `<interface type='${iface.type}'>` : iface.element === 'hostdev' ? 'a PCI <hostdev>' : 'no libvirt device';

  if (iface.element === null) {
    out.fail('compute-build', 'PortBindingFailed', 'vnic_type', `vnic_type=${vnicType}: no Neutron mechanism driver binds it on a libvirt compute, so the binding fails and the build aborts.`, iface.source, iface.evidence);
  }

  // Packed ring: <driver packed='on'> on any <interface> from 2024.1 (§2.1 step 1, §2.2); Zed and older do not know it.
  const packedRelease = releaseHas(scope.release.release, FIRST_RELEASE.packedRing);
  const packedApplies = packedOn && packedRelease && iface.element === 'interface';
  if (packedOn) {
    settings.add('packed_ring', packedField, 'true', packedApplies, packedApplies
      ? "<driver packed='on'>; the guest and backend decide whether packed rings are negotiated"
      : !packedRelease ? `new in Nova 2024.1; ${scope.release.release} ignores it` : `${on} has no <driver> element for it`, 'domain.md §1.3, §2.2, §7');
  }
  const packed = value(packedApplies, packedApplies
    ? "<driver packed='on'>; the guest and backend decide whether packed rings are negotiated"
    : packedOn ? 'requested but not applied here (settings)' : 'packed ring not requested (default false)', 'domain.md §1.3, §2.2');

  // tx_queue_size: written for vhost-user only; vdpa sets it on the config but format_dom writes no <driver> there.
  const txApplies = tx !== null && iface.type === 'vhostuser';
  if (tx !== null) {
    settings.add('tx_queue_size', '[libvirt] tx_queue_size', String(tx), txApplies, txApplies ? `tx_queue_size=${tx} on the vhost-user interface` : `${on}: tx_queue_size is written for vhost-user only`,
      'domain.md §2.2; NOVA virt/libvirt/config.py LibvirtConfigGuestInterface.format_dom');
  }
  const txQueueSize = value<number | null>(txApplies ? tx : null, txApplies ? `[libvirt] tx_queue_size=${tx} (vhost-user)` : 'vhost-user only', 'domain.md §2.2', [hostFactEvidence('txQueueSize', tx)]);

  // 1. Passthrough ports get no model, driver or queues (§1.6, §2.1 step 1); direct-physical gets no interface at all.
  if (iface.element !== 'interface' || PASSTHROUGH_VNIC_TYPES.includes(vnicType)) {
    const why = iface.element === 'interface' ? `vnic_type=${vnicType} is passed through (${on}) without <model> or <driver>` : `vnic_type=${vnicType}: ${on}`;
    if (properties['hw_vif_model'] !== undefined) settings.add('hw_vif_model', 'hw_vif_model', properties['hw_vif_model'], false, `${why}: the guest sees the device itself.`, 'domain.md §1.6, §2.1');
    if (multiqueue) settings.add('multiqueue', mqField, 'true', false, `${why}: no queues.`, 'domain.md §1.6, §2.1');
    if (rx !== null) settings.add('rx_queue_size', '[libvirt] rx_queue_size', String(rx), false, `${why}: no queue sizes.`, 'domain.md §2.2; NOVA virt/libvirt/config.py LibvirtConfigGuestInterface.format_dom');
    return { interface: iface, settings: settings.list, caveats, model: none(`${why}.`), driverName: none(`${why}.`), queues: none(`${why}.`), rxQueueSize: none(`${why}.`), txQueueSize, packed };
  }

  const vhostUser = iface.type === 'vhostuser';
  const macvtap = iface.type === 'direct';
  if (vhostUser) caveats.push(...vhostUserCaveats(scope));

  // 2.–3. hw_vif_model, else libosinfo, else virtio (use_virtio_for_bridges, default True).
  const modelGiven = properties['hw_vif_model'];
  const noModel = imageModel === null && (facts.useVirtioForBridges === false || facts.virtType === 'lxc');
  const model = noModel
    ? value<string | null>(null, `${facts.virtType === 'lxc'
      ? 'hw_vif_model unset and virt_type=lxc (declared): no <model> element'
      : 'hw_vif_model unset and [libvirt] use_virtio_for_bridges=False (declared): no <model> element, the hypervisor default NIC'}${scope.guest.osDistroIsShortId ? ` (unless libosinfo on the compute names one for os_distro=${properties['os_distro']})` : ''}`,
    'domain.md §2.1', [imageEvidence('hw_vif_model', null), facts.virtType === 'lxc' ? hostFactEvidence('virtType', 'lxc') : hostFactEvidence('useVirtioForBridges', false)])
    : value<string | null>(imageModel ?? 'virtio', imageModel !== null
      ? `hw_vif_model=${modelGiven}`
      : scope.guest.osDistroIsShortId
        ? `hw_vif_model unset: with libosinfo on the compute Nova takes osinfo-db's first NIC for os_distro=${properties['os_distro']} (hash order, e.g. e1000e for ubuntu22.04), without it virtio`
        : 'hw_vif_model unset and os_distro is not a libosinfo short-id: virtio ([libvirt] use_virtio_for_bridges)',
    imageModel !== null ? 'domain.md §2.1' : 'domain.md §2.1, §2.4', [imageEvidence('hw_vif_model', modelGiven ?? null)]);
  if (modelGiven !== undefined && imageModel !== null) settings.add('hw_vif_model', 'hw_vif_model', modelGiven, true, `<model type='${imageModel}'> on ${on}.`, 'domain.md §1.6, §2.1');
  // 4. Checked against the virt_type while building the XML (§1.2).
  if (model.value !== null && !VIF_MODELS_BY_VIRT_TYPE[facts.virtType].includes(model.value)) {
    out.fail('compute-build', 'UnsupportedHardware', 'hw_vif_model', `hw_vif_model=${model.value} is not accepted with virt_type=${facts.virtType}: the build fails on the compute (reschedule).`,
      'domain.md §1.2, §2.7', [imageEvidence('hw_vif_model', model.value), hostFactEvidence('virtType', facts.virtType)]);
  }
  const virtio = model.value === 'virtio';
  if (!virtio && (vhostUser || macvtap)) {
    // libvirt: vhost-user needs the virtio-net frontend; vhost-net (forced on macvtap) opens only for virtio models.
    out.fail('compute-build', 'libvirtError', 'hw_vif_model', vhostUser
      ? `${on} needs a virtio model (libvirt: vhost-user requires the virtio-net frontend), not ${model.value ?? 'none'}: libvirt refuses the domain and the guest does not start.`
      : `${on} gets driver name='vhost' from Nova, and libvirt opens vhost-net only for virtio models (${model.value ?? 'none'} here): libvirt refuses the domain and the guest does not start.`,
    'domain.md §2.2; LIBVIRT formatdomain vhost-user, src/qemu/qemu_interface.c qemuInterfaceOpenVhostNet', [imageEvidence('hw_vif_model', model.value), ...iface.evidence]);
  }

  // 5.–6. Multiqueue is evaluated for virtio on kvm / parallels only; rx_queue_size where the driver is vhost or unset.
  const queueCount = expectedQueues(vcpus, facts);
  const queueEvidence = [flavorEvidence('vcpus', vcpus), hostFactEvidence('kernelMajor', facts.kernelMajor), hostFactEvidence('maxQueues', facts.maxQueues)];
  const kvmLike = facts.virtType === 'kvm' || facts.virtType === 'parallels';
  const mqApplies = multiqueue && virtio && kvmLike && vcpus >= 2;
  if (multiqueue) {
    settings.add('multiqueue', mqField, 'true', mqApplies, mqApplies ? `queues=${queueCount} on ${on}: min(vCPUs, cap).`
      : !virtio ? `multiqueue only applies to virtio NICs (model ${model.value ?? 'none'}).`
        : !kvmLike ? `virt_type=${facts.virtType}: Nova evaluates multiqueue on kvm and parallels only${facts.virtType === 'qemu' ? ' (driver name forced to qemu)' : ''}.`
          : `flavor has ${vcpus} vCPU: Nova enables multiqueue only from 2 vCPUs.`, 'domain.md §1.3, §2.1, §2.2, §7 surprise 7');
  }
  const queues = value(mqApplies ? queueCount : null, mqApplies ? `multiqueue on: min(vCPUs, cap) = ${queueCount}` : 'multiqueue off or not applied: one queue pair', 'domain.md §2.2', queueEvidence);
  // get_base_config: qemu ⇒ 'qemu'; multiqueue ⇒ 'vhost'; rx_queue_size with vhost or unset ⇒ 'vhost'.
  const baseDriver = !virtio ? null : facts.virtType === 'qemu' ? 'qemu' : mqApplies || rx !== null ? 'vhost' : null;
  // get_base_config puts rx_queue_size on every non-passthrough config; format_dom writes it only inside a <driver>
  // element, which exists with a driver name (virtio: vhost or qemu; macvtap: vhost) or on vhost-user.
  const rxApplies = rx !== null && (virtio || vhostUser || macvtap);
  if (rx !== null) {
    settings.add('rx_queue_size', '[libvirt] rx_queue_size', String(rx), rxApplies, rxApplies
      ? `rx_queue_size=${rx} on ${on}${facts.virtType === 'qemu' && virtio && !vhostUser && !macvtap ? " (with driver name='qemu': Nova writes it on the user-space backend too)" : ''}.`
      : `${model.value ?? 'no model'} on ${on}: no <driver> element, so the size is not written.`, 'domain.md §2.1 step 6, §2.2; NOVA virt/libvirt/config.py LibvirtConfigGuestInterface.format_dom');
  }
  const rxQueueSize = value<number | null>(rxApplies ? rx : null, rx === null ? '[libvirt] rx_queue_size unset' : rxApplies ? `[libvirt] rx_queue_size=${rx}` : 'not written here (settings)', 'domain.md §2.2', [hostFactEvidence('rxQueueSize', rx)]);
  // One literal per answer, in the schema's order, with the driver name it gets (lib/objects.ts).
  const result = (driverName: NovaPreview['nic']['driverName']): NovaPreview['nic'] => ({ interface: iface, settings: settings.list, caveats, model, driverName, queues, rxQueueSize, txQueueSize, packed });

  if (vhostUser) return result(none("type='vhostuser' interface: Nova writes no driver name (libvirt: always vhost-user)", 'domain.md §2.2; NOVA virt/libvirt/vif.py _set_config_VIFVHostUser'));
  // macvtap: designer.set_vif_host_backend_hw_veb sets name='vhost' after the base config, whatever the model and virt_type.
  const driver = macvtap ? 'vhost' : baseDriver;
  if (driver === null && !virtio) return result(none(`${model.value ?? 'no model'}: no <driver> name, queues or queue sizes`));
  const driverEvidence = [hostFactEvidence('virtType', facts.virtType), hostFactEvidence('vhostNet', facts.vhostNet), hostFactEvidence('rxQueueSize', rx)];
  if (driver === 'vhost' && !facts.vhostNet) {
    out.fail('compute-build', 'libvirtError', macvtap ? 'vnic_type' : mqApplies ? mqField : '[libvirt] rx_queue_size',
      "driver name='vhost' needs the vhost_net module, which the hosts are declared not to have: libvirt rejects the domain and the guest does not start.",
      'domain.md §2.2', driverEvidence);
  }
  const driverReason = macvtap
    ? `macvtap: Nova sets name='vhost' on ${on} whatever virt_type is, so vhost-net must be loaded`
    : driver === 'qemu'
      ? 'virt_type=qemu: Nova forces the user-space backend (libvirt would otherwise enable vhost for non-KVM guests)'
      : driver === 'vhost'
        ? `${mqApplies ? 'multiqueue' : 'rx_queue_size'} makes Nova set name='vhost': vhost-net must be loaded`
        : `no multiqueue and no rx_queue_size: no name, libvirt uses vhost-net if loaded${facts.vhostNet ? '' : ' - declared absent, so the slower user-space backend, silently'}`;
  return result(value(driver, driverReason, macvtap ? 'NOVA virt/libvirt/designer.py set_vif_host_backend_hw_veb; domain.md §2.2' : 'domain.md §2.1, §2.2', driverEvidence));
}

/** vhost-user ports need shared guest memory; Nova checks neither, so a flavor without it builds a port that passes nothing (§2.2). */
function vhostUserCaveats(scope: RuleScope): PreviewNote[] {
  const memory = sharedMemory(scope);
  const source = 'domain.md §2.2; NOVA virt/libvirt/driver.py _get_guest_numa_config (memAccess shared), _get_guest_memory_backing_config';
  const notes: PreviewNote[] = [{ subject: 'virtio model', reason: 'vhost-user needs a virtio NIC whatever the guest is: a guest without virtio-net drivers cannot use this port.', source: 'domain.md §2.2 (LIBVIRT formatdomain vhost-user)' }];
  if (memory.shared === true) return [...notes, { subject: 'shared guest memory', reason: `${memory.why}: the vhost-user backend can map it.`, source }];
  return [...notes, {
    subject: 'shared guest memory',
    reason: `${memory.why}. Nova raises nothing and the server goes ACTIVE: the vhost-user interface appears in the guest but ${memory.shared === 'maybe' ? 'may pass' : 'passes'} no traffic, since the switch cannot map private guest memory. Set hw:mem_page_size=large (or declare file_backed_memory).`,
    source,
  }];
}
