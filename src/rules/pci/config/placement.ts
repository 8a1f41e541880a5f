// How Nova models the devices a `[pci] device_spec` selects in Placement (domain.md §4.5): the resource class and
// traits it gives their providers, the providers' shape, and the device type that shape follows.
import { defaultPciResourceClass, parsePciResourceClass } from '../devices.ts';
import { KNOWN_PCI_DEVICES, knownPciDevice } from '../known-devices.ts';
import type { Host, PciDeviceKind, PciDeviceKindOf, PciPlacementView, PciPlannedProvider, PciProvider, PciSpecModel } from '../../../model/index.ts';

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

/** The Placement model refused (NOVA `nova/compute/pci_placement_translator.py`, from the resource tracker's update at start). */
export function placementRefusal(exception: string): string {
  return `Nova raises ${exception} (nova.compute.pci_placement_translator.update_provider_tree_for_pci, as PlacementPciException from ResourceTracker._update): nova-compute does not start.`;
}

/** The PF and VF product ids of a known SR-IOV NIC, from either of them (built-in table). */
export function sriovPartner(vendorId: string, productId: string): { pf: string; vf: string } | null {
  const device = knownPciDevice(vendorId, productId);
  if (!device || device.deviceType === 'type-PCI') return null;
  const base = device.name.replace(/ (PF|VF)$/, '');
  const pair = KNOWN_PCI_DEVICES.filter((d) => d.vendorId === device.vendorId && d.name.replace(/ (PF|VF)$/, '') === base);
  const pf = pair.find((d) => d.deviceType === 'type-PF');
  const vf = pair.find((d) => d.deviceType === 'type-VF');
  return pf && vf ? { pf: pf.productId, vf: vf.productId } : null;
}

/**
 * The PF behind a provider of a known NIC's VFs (default class), as the provider Nova would make of it alone: same
 * name (a VF provider is named after its PF, §4.5), the PF's default class, one device. Null for anything else.
 */
export function parentPf(provider: PciProvider): PciProvider | null {
  const ids = parsePciResourceClass(provider.resourceClass);
  const partner = ids && knownPciDevice(ids.vendorId, ids.productId)?.deviceType === 'type-VF' ? sriovPartner(ids.vendorId, ids.productId) : null;
  if (!ids || !partner) return null;
  return { ...provider, resourceClass: defaultPciResourceClass(ids.vendorId, partner.pf), traits: [], inventory: { ...provider.inventory, total: 1, maxUnit: 1 }, used: 0 };
}

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

/** Providers listed in a check's Placement view; the counts are always complete (answers stay small at 15,000 hosts). */
export const PCI_VIEW_PROVIDERS = 500;

/**
 * The PCI providers Placement will show once the proposal is rolled out (§4.5): each provider the snapshot shows
 * keeps its name and parent and takes the resource class and traits of the first spec covering it, its total the
 * devices the covering specs take (`specsFor`: a spec naming one VF takes one); one no spec covers is removed. Devices the snapshot does not show (not reported to Placement
 * today) cannot be seen here: the basis says so.
 */
export function placementView(hosts: readonly Host[], specsFor: (provider: PciProvider) => { spec: PciSpecModel; devices: number }[], ownerNova: boolean): PciPlacementView {
  const planned: PciPlannedProvider[] = [];
  const removed: { name: string; used: number }[] = [];
  for (const host of hosts) {
    for (const shown of host.pciProviders) {
      // A spec that takes the PF instead of its VFs gives a provider of the same name holding the PF (§4.5).
      const pf = specsFor(shown).length > 0 ? null : parentPf(shown);
      const taken = specsFor(pf ?? shown);
      const spec = taken[0]?.spec;
      if (!spec) {
        removed.push({ name: shown.name, used: shown.used });
        continue;
      }
      // Devices split between specs of different tags are refused (pci-spec-vfs-differ); the first spec's are shown.
      const resourceClass = spec.resourceClass ?? (pf ?? shown).resourceClass;
      const traits = [...spec.traits, ...(ownerNova ? [OWNER_NOVA] : [])].sort();
      planned.push({
        name: shown.name, parent: host.name, resourceClass, total: taken.reduce((sum, t) => sum + t.devices, 0), traits, spec: `${spec.entry}.${spec.item}`,
        change: resourceClass === shown.resourceClass && withoutOwner(shown.traits).join() === spec.traits.join() ? 'unchanged' : 'changed',
      });
    }
  }
  const classes = new Map<string, { providers: number; total: number; hosts: Set<string> }>();
  for (const p of planned) {
    const c = classes.get(p.resourceClass) ?? { providers: 0, total: 0, hosts: new Set<string>() };
    c.providers += 1;
    c.total += p.total;
    c.hosts.add(p.parent);
    classes.set(p.resourceClass, c);
  }
  return {
    providers: planned.sort((a, b) => a.name.localeCompare(b.name)).slice(0, PCI_VIEW_PROVIDERS),
    providerCount: planned.length,
    byResourceClass: [...classes.entries()].sort(([a], [b]) => a.localeCompare(b))
      .map(([resourceClass, c]) => ({ resourceClass, providers: c.providers, total: c.total, hosts: c.hosts.size })),
    removed: removed.sort((a, b) => a.name.localeCompare(b.name)),
    basis: 'From the PCI providers Placement shows now: each keeps its devices and takes the class and traits of the first proposed spec that covers it. Devices not reported to Placement today (report_in_placement off, or not in the current device_spec) are not in the snapshot and not shown.',
  };
}
