// How Nova models the devices a `[pci] device_spec` selects in Placement (domain.md §4.5): the resource class and
// traits it gives their providers, the providers' shape, and the device type that shape follows.
import { defaultPciResourceClass } from '../devices.ts';
import { knownPciDevice } from '../known-devices.ts';
import type { PciDeviceKind, PciDeviceKindOf, PciProvider } from '../../../model/index.ts';

/** os-resource-classes standard classes (RC `os_resource_classes`); every other name gets CUSTOM_ (§4.5). */
const STANDARD_RESOURCE_CLASSES = new Set([
  'VCPU', 'MEMORY_MB', 'DISK_GB', 'PCI_DEVICE', 'SRIOV_NET_VF', 'NUMA_SOCKET', 'NUMA_CORE', 'NUMA_THREAD',
  'NUMA_MEMORY_MB', 'IPV4_ADDRESS', 'VGPU', 'VGPU_DISPLAY_HEAD', 'NET_BW_EGR_KILOBIT_PER_SEC',
  'NET_BW_IGR_KILOBIT_PER_SEC', 'PCPU', 'MEM_ENCRYPTION_CONTEXT', 'FPGA', 'PGPU',
  'NET_PACKET_RATE_KILOPACKET_PER_SEC', 'NET_PACKET_RATE_EGR_KILOPACKET_PER_SEC', 'NET_PACKET_RATE_IGR_KILOPACKET_PER_SEC',
]);
/**
 * os-traits namespaces. The advisor has no copy of the os-traits list, so a name in one of these
 * namespaces is taken as standard and kept (inference; §4.5 keeps standard traits, normalises the rest).
 */
const STANDARD_TRAIT_PREFIXES = ['COMPUTE_', 'HW_', 'STORAGE_', 'MISC_', 'OWNER_'];
const NOVA_PCI_TRAIT = 'COMPUTE_MANAGED_PCI_DEVICE';
/** Added by Nova on master; ignored when comparing with what Placement shows (§4.5). */
const OWNER_NOVA = 'OWNER_NOVA';

/** `os_resource_classes.normalize_name` after Nova's upper-casing: runs of non-alphanumerics → `_`, CUSTOM_ prefix (§4.5). */
export function normaliseCustomName(name: string): string {
  const upper = name.replace(/[^0-9a-zA-Z]+/g, '_').toUpperCase();
  return upper.startsWith('CUSTOM_') ? upper : `CUSTOM_${upper}`;
}

export function normalisePciResourceClass(name: string): string {
  const upper = name.toUpperCase();
  return STANDARD_RESOURCE_CLASSES.has(upper) ? upper : normaliseCustomName(name);
}

export function normalisePciTraits(list: string): string[] {
  return list.split(',').map((t) => t.trim()).filter((t) => t.length > 0).map((t) => {
    const upper = t.toUpperCase();
    return STANDARD_TRAIT_PREFIXES.some((p) => upper.startsWith(p)) ? upper : normaliseCustomName(t);
  });
}

/**
 * The class a spec's providers get: its `resource_class` tag, else the default class of its ids; null when it
 * has neither (the class is then per device).
 */
export function specResourceClass(tag: unknown, vendorId: string | null, productId: string | null): string | null {
  if (typeof tag === 'string' && tag.trim() !== '') return normalisePciResourceClass(tag);
  return vendorId !== null && productId !== null ? defaultPciResourceClass(vendorId, productId) : null;
}

/** The traits a spec's providers get: Nova's own, those its tags imply, and its `traits` tag, sorted. */
export function specTraits(tag: unknown, tags: { liveMigratable: boolean; oneTimeUse: boolean }): string[] {
  return [...new Set([
    NOVA_PCI_TRAIT,
    ...(tags.liveMigratable ? ['HW_PCI_LIVE_MIGRATABLE'] : []),
    ...(tags.oneTimeUse ? ['HW_PCI_ONE_TIME_USE'] : []),
    ...(typeof tag === 'string' ? normalisePciTraits(tag) : []),
  ])].sort();
}

/** A provider's traits as the spec's are compared with them: without OWNER_NOVA, sorted. */
export function withoutOwner(traits: string[]): string[] {
  return traits.filter((t) => t !== OWNER_NOVA).sort();
}

/** The device type from the built-in table, else from Placement: a default-class provider with more than one device counts VFs (§4.5). */
export function deviceKind(vendorId: string | null, productId: string | null, providers: PciProvider[]): PciDeviceKindOf {
  if (vendorId === null || productId === null) return { deviceType: 'unknown', deviceTypeFrom: 'unknown' };
  const known = knownPciDevice(vendorId, productId);
  if (known) return { deviceType: known.deviceType, deviceTypeFrom: 'known-device' };
  const rc = defaultPciResourceClass(vendorId, productId);
  const seen = providers.filter((p) => p.resourceClass === rc);
  if (seen.length === 0) return { deviceType: 'unknown', deviceTypeFrom: 'unknown' };
  return { deviceType: seen.some((p) => p.inventory.total > 1) ? 'type-VF' : 'type-PCI', deviceTypeFrom: 'placement' };
}

export function providerShape(kind: PciDeviceKind): string {
  if (kind === 'type-VF') return 'VFs counted on one provider per parent PF, named <hypervisor>_<PF address>, child of the compute node';
  if (kind === 'unknown') return 'one provider per PF / PCI device named <hypervisor>_<address>; VFs counted on their parent PF\'s provider';
  return 'one provider per device, named <hypervisor>_<address>, inventory 1, child of the compute node';
}
