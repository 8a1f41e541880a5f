// Nova's own vocabularies and spellings, so every rule checks values exactly as Nova would.
import { osloBool } from '../../lib/oslo-bool.ts';
import type { Evidence, HostFacts } from '../../model/index.ts';

/** `hw_vif_model` values Nova accepts at the API (domain.md §1.2, NOVA `VIF_MODEL_ALL`). */
export const VIF_MODELS = [
  'virtio', 'ne2k_pci', 'pcnet', 'rtl8139', 'e1000', 'e1000e', 'netfront',
  'spapr-vlan', 'lan9118', 'sriov', 'vmxnet', 'vmxnet3', 'igb',
] as const;

/** VMware spellings Nova maps before checking the enum (domain.md §1.2), keyed lower-case. */
const VMWARE_VIF_SPELLINGS: Record<string, string> = {
  virtuale1000: 'e1000',
  virtuale1000e: 'e1000e',
  virtualpcnet32: 'pcnet',
  virtualsriovethernetcard: 'sriov',
  virtualvmxnet: 'vmxnet',
  virtualvmxnet3: 'vmxnet3',
};

/** `hw_disk_bus` enum (domain.md §1.2). `xen`/`uml` are kept by Nova only so it can reject them. */
export const DISK_BUSES = ['fdc', 'ide', 'sata', 'scsi', 'usb', 'virtio', 'xen', 'lxc', 'uml'] as const;

/** `hw_scsi_model` enum and its aliases (domain.md §1.2). */
export const SCSI_MODELS = [
  'buslogic', 'ibmvscsi', 'lsilogic', 'lsisas1068', 'lsisas1078', 'virtio-scsi', 'vmpvscsi',
] as const;
const SCSI_MODEL_ALIASES: Record<string, string> = { lsilogicsas: 'lsisas1068', paravirtual: 'vmpvscsi' };

/** What the libvirt driver accepts per virt_type, checked late on the compute (domain.md §1.2). */
const KVM_VIF_MODELS = ['virtio', 'ne2k_pci', 'pcnet', 'rtl8139', 'e1000', 'e1000e', 'spapr-vlan', 'vmxnet3', 'igb'];
export const VIF_MODELS_BY_VIRT_TYPE: Record<HostFacts['virtType'], readonly string[]> = {
  kvm: KVM_VIF_MODELS,
  qemu: [...KVM_VIF_MODELS, 'lan9118'],
  parallels: ['virtio', 'rtl8139', 'e1000'],
  lxc: [],
};
const QEMU_KVM_DISK_BUSES = ['virtio', 'scsi', 'ide', 'usb', 'fdc', 'sata'];
export const DISK_BUSES_BY_VIRT_TYPE: Record<HostFacts['virtType'], readonly string[]> = {
  kvm: QEMU_KVM_DISK_BUSES,
  qemu: QEMU_KVM_DISK_BUSES,
  parallels: ['ide', 'scsi'],
  lxc: ['lxc'],
};

/** virt_types whose guests get no NIC model / disk bus advice: lxc has none to choose, parallels its own few (§1.2, §2.1, §2.3). */
export const NO_DEVICE_ADVICE_VIRT_TYPES: readonly string[] = ['lxc', 'parallels'];

/** What Nova writes when the image sets no disk / CD-ROM bus, per virt_type (NOVA `blockinfo.py`, §2.3). */
export function defaultBusesFor(virtType: string): { disk: string; cdrom: string | null } {
  return virtType === 'parallels' ? { disk: 'scsi', cdrom: 'ide' } : virtType === 'lxc' ? { disk: 'lxc', cdrom: 'lxc' } : { disk: 'virtio', cdrom: null };
}

/** vnic types whose ports get no `<model>`: `hw_vif_model`, multiqueue do not apply (domain.md §1.6, §2.1). */
export const PASSTHROUGH_VNIC_TYPES: readonly string[] = [
  'direct', 'direct-physical', 'accelerator-direct', 'accelerator-direct-physical', 'remote-managed', 'vdpa',
];
/** vnic types bound by the ML2 SR-IOV driver: devices with a physnet, invisible to Placement (domain.md §1.6, §4.5). */
export const NEUTRON_SRIOV_VNIC_TYPES: readonly string[] = ['direct', 'macvtap', 'direct-physical'];

/** Architectures Nova canonicalises (domain.md §1.4). */
const ARCH_ALIASES: Record<string, string> = {
  i386: 'i686', i486: 'i686', i586: 'i686', x86_32: 'i686', x86_32p: 'i686', amd64: 'x86_64',
};

export function normaliseVifModel(raw: string): string | null {
  const lower = raw.trim().toLowerCase();
  const mapped = VMWARE_VIF_SPELLINGS[lower] ?? lower;
  return (VIF_MODELS as readonly string[]).includes(mapped) ? mapped : null;
}

/** Nova's DiskBus enum has no coerce: the value must match exactly, case and spaces included (the oracle test, Zed's ImageMeta). */
export function normaliseDiskBus(raw: string): string | null {
  return (DISK_BUSES as readonly string[]).includes(raw) ? raw : null;
}

export function normaliseScsiModel(raw: string): string | null {
  const lower = raw.trim().toLowerCase();
  const mapped = SCSI_MODEL_ALIASES[lower] ?? lower;
  return (SCSI_MODELS as readonly string[]).includes(mapped) ? mapped : null;
}

export function normaliseArchitecture(raw: string): string {
  const lower = raw.trim().toLowerCase();
  return ARCH_ALIASES[lower] ?? lower;
}

/** The families of device-model traits the libvirt driver reports (§2.5, §2.6): NIC models, storage buses, video models. */
export const VIF_MODEL_TRAITS = 'COMPUTE_NET_VIF_MODEL_';
export const STORAGE_BUS_TRAITS = 'COMPUTE_STORAGE_BUS_';
export const GRAPHICS_MODEL_TRAITS = 'COMPUTE_GRAPHICS_MODEL_';
export const DEVICE_TRAIT_FAMILIES: readonly string[] = [VIF_MODEL_TRAITS, STORAGE_BUS_TRAITS, GRAPHICS_MODEL_TRAITS];

/** Trait a libvirt host reports for a NIC model, e.g. spapr-vlan ⇒ COMPUTE_NET_VIF_MODEL_SPAPR_VLAN (§2.5, §2.6). */
export function vifModelTrait(model: string): string {
  return `${VIF_MODEL_TRAITS}${model.toUpperCase().replace(/-/g, '_')}`;
}

export function storageBusTrait(bus: string): string {
  return `${STORAGE_BUS_TRAITS}${bus.toUpperCase().replace(/-/g, '_')}`;
}

/**
 * Image boolean fields are non-strict FlexibleBooleanFields: anything that is not a true spelling is
 * false (domain.md §1.1). Returns null only when the property is absent.
 */
export function imageBool(properties: Record<string, string>, key: string): boolean | null {
  const raw = properties[key];
  return raw === undefined ? null : osloBool(raw);
}

/**
 * What Nova reads from `vmware_adaptertype`, a VMware-era name it still honours (§1.1; NOVA
 * `nova/objects/image_meta.py` `_set_attr_from_legacy_names`): `ide` ⇒ hw_disk_bus=ide, any other value ⇒
 * hw_disk_bus=scsi + hw_scsi_model=<value>. Legacy names are read first and the current ones override them,
 * so only the keys the image leaves unset are returned.
 */
export function legacyReads(properties: Record<string, string>): Record<string, string> {
  const adapter = properties['vmware_adaptertype'];
  if (adapter === undefined) return {};
  const read: Record<string, string> = adapter === 'ide' ? { hw_disk_bus: 'ide' } : { hw_disk_bus: 'scsi', hw_scsi_model: adapter };
  return Object.fromEntries(Object.entries(read).filter(([key]) => properties[key] === undefined));
}

export function imageEvidence(key: string, value: string | null): Evidence {
  return { source: 'image-property', ref: key, value };
}

export function flavorEvidence(key: string, value: string | number | null): Evidence {
  return { source: 'flavor', ref: key, value };
}

export function hostFactEvidence(key: keyof HostFacts, value: string | number | boolean | null): Evidence {
  return { source: 'declared-host-fact', ref: key, value };
}

/** Nova `Architecture.ALL` (domain.md §1.4). */
export const ARCHITECTURES: readonly string[] = [
  'alpha', 'armv6', 'armv7l', 'armv7b', 'aarch64', 'cris', 'i686', 'ia64', 'lm32', 'm68k', 'microblaze',
  'microblazeel', 'mips', 'mipsel', 'mips64', 'mips64el', 'openrisc', 'parisc', 'parisc64', 'ppc', 'ppcle',
  'ppc64', 'ppc64le', 'ppcemb', 's390', 's390x', 'sh4', 'sh4eb', 'sparc', 'sparc64', 'unicore32', 'x86_64',
  'xtensa', 'xtensaeb',
];

/** hw_emulation_architecture values with a COMPUTE_ARCH_* trait in os-traits (domain.md §2.5). */
export const EMULATION_ARCHITECTURES_WITH_TRAIT: readonly string[] = ['aarch64', 'ppc64le', 'mipsel', 's390x', 'riscv64', 'x86_64'];
