// Turns what the OpenStack APIs return (RawCloud) into the CloudSnapshot the rules read.
// The bundled demo cloud and a live sync both pass through here, so they cannot drift apart.
import type { RawCloud, PlacementInventory } from '../openstack/schemas.ts';
import type { CloudSnapshot, Flavor, Host, Image, Inventory, PciProvider } from '../rules/types.ts';
import { GLANCE_CORE_ATTRIBUTES } from '../openstack/schemas.ts';

/** Nova marks every provider it creates for a PCI device with this trait (domain.md §4.5). */
const MANAGED_PCI_TRAIT = 'COMPUTE_MANAGED_PCI_DEVICE';

export interface NormaliseResult {
  snapshot: CloudSnapshot;
  /** Nested providers that hold no PCI devices (e.g. Neutron bandwidth providers), left out. */
  skippedProviders: string[];
}

export function normaliseFlavor(raw: RawCloud['flavors'][number]): Flavor {
  return {
    id: raw.id,
    name: raw.name,
    vcpus: raw.vcpus,
    ramMb: raw.ram,
    diskGb: raw.disk,
    ephemeralGb: raw['OS-FLV-EXT-DATA:ephemeral'] ?? 0,
    swapMb: raw.swap === '' ? 0 : raw.swap,
    isPublic: raw['os-flavor-access:is_public'] ?? true,
    extraSpecs: { ...(raw.extra_specs ?? {}) },
  };
}

export function normaliseImage(raw: RawCloud['images'][number]): Image {
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    // Glance v2 custom properties are strings; anything else is a core attribute we do not advise on.
    if (!GLANCE_CORE_ATTRIBUTES.has(key) && typeof value === 'string') properties[key] = value;
  }
  return {
    id: raw.id,
    name: raw.name,
    status: raw.status,
    visibility: raw.visibility ?? null,
    diskFormat: raw.disk_format ?? null,
    minDiskGb: raw.min_disk ?? 0,
    minRamMb: raw.min_ram ?? 0,
    properties,
  };
}

function toInventory(raw: PlacementInventory): Inventory {
  return {
    total: raw.total,
    reserved: raw.reserved,
    minUnit: raw.min_unit,
    maxUnit: raw.max_unit,
    stepSize: raw.step_size,
    allocationRatio: raw.allocation_ratio,
  };
}

function isPciResourceClass(rc: string): boolean {
  return rc.startsWith('CUSTOM_PCI_') || rc === 'PCI_DEVICE' || rc === 'SRIOV_NET_VF' || rc === 'PGPU';
}

export function normaliseCloud(raw: RawCloud, snapshotId: string, source: CloudSnapshot['source']): NormaliseResult {
  const hostsByUuid = new Map<string, Host>();
  for (const rp of raw.resource_providers) {
    if (rp.parent_provider_uuid !== null) continue;
    hostsByUuid.set(rp.uuid, {
      uuid: rp.uuid,
      name: rp.name,
      traits: [...(raw.traits[rp.uuid]?.traits ?? [])].sort(),
      aggregates: [...(raw.aggregates[rp.uuid]?.aggregates ?? [])].sort(),
      inventories: Object.fromEntries(
        Object.entries(raw.inventories[rp.uuid]?.inventories ?? {}).map(([rc, inv]) => [rc, toInventory(inv)]),
      ),
      usages: { ...(raw.usages[rp.uuid]?.usages ?? {}) },
      pciProviders: [],
    });
  }

  const skippedProviders: string[] = [];
  for (const rp of raw.resource_providers) {
    if (rp.parent_provider_uuid === null) continue;
    const host = hostsByUuid.get(rp.root_provider_uuid);
    const traits = [...(raw.traits[rp.uuid]?.traits ?? [])].sort();
    const inventories = raw.inventories[rp.uuid]?.inventories ?? {};
    const pciClasses = Object.keys(inventories).filter(
      (rc) => traits.includes(MANAGED_PCI_TRAIT) || isPciResourceClass(rc),
    );
    if (!host || pciClasses.length === 0) {
      skippedProviders.push(rp.name);
      continue;
    }
    for (const rc of pciClasses.sort()) {
      const provider: PciProvider = {
        uuid: rp.uuid,
        name: rp.name,
        parentUuid: rp.parent_provider_uuid,
        rootUuid: rp.root_provider_uuid,
        resourceClass: rc,
        traits,
        inventory: toInventory(inventories[rc]!),
        used: raw.usages[rp.uuid]?.usages[rc] ?? 0,
      };
      host.pciProviders.push(provider);
    }
  }

  const hosts = [...hostsByUuid.values()].sort((a, b) => a.name.localeCompare(b.name));
  for (const host of hosts) host.pciProviders.sort((a, b) => a.name.localeCompare(b.name));
  return {
    snapshot: {
      id: snapshotId,
      cloud: raw.cloud,
      region: raw.region,
      takenAt: raw.taken_at,
      source,
      flavors: raw.flavors.map(normaliseFlavor).sort((a, b) => a.name.localeCompare(b.name)),
      images: raw.images.map(normaliseImage).sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '')),
      hosts,
    },
    skippedProviders,
  };
}
