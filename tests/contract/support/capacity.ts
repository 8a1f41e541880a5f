// What the bulk and the per-provider Placement reads must agree on (src/openstack/placement.ts): per host its
// exact inventories, usages, traits and aggregates; per PCI provider capacity = int((total − reserved) ×
// allocation_ratio), used and traits (domain.md §4.7) — not total/reserved, which the bulk path cannot see.
import type { LimitFunction } from 'p-limit';
import { normaliseCloud } from '../../../src/sync/normalise.ts';
import type { OpenStackClient } from '../../../src/openstack/client.ts';
import type { PlacementReadMode } from '../../../src/openstack/placement.ts';
import type { CloudSnapshot } from '../../../src/model/index.ts';

export function capacityView(snapshot: CloudSnapshot) {
  return snapshot.hosts.map(({ pciProviders, ...host }) => ({
    ...host,
    pciProviders: pciProviders.map((p) => ({
      name: p.name,
      resourceClass: p.resourceClass,
      capacity: Math.floor((p.inventory.total - p.inventory.reserved) * p.inventory.allocationRatio),
      used: p.used,
      traits: p.traits,
    })),
  }));
}

/** Placement read one way and normalised, with no flavors or images: the hosts of the snapshot. */
export async function readHosts(client: OpenStackClient, limit: LimitFunction, mode: PlacementReadMode) {
  const { tree, ...read } = await client.placement.readProviderTree(limit, { mode });
  const raw = { cloud: client.cloud.name, region: null, taken_at: new Date(0).toISOString(), flavors: [], images: [], image_members: {}, flavor_access: {}, ...tree };
  return { read, hosts: capacityView(normaliseCloud(raw, 'compare', 'openstack').snapshot) };
}
