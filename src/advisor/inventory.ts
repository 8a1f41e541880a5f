// Read views of the current snapshot, as the API lists them: flavors, images and hosts paged by marker, one item
// by its key, and free PCI devices per host and resource class from the nested providers.
import type { CloudSnapshot, Flavor, Host, Image, SnapshotRef } from '../model/index.ts';
import { inventoryCapacity, providerFree } from '../rules/index.ts';
import type { PageQuery } from '../schemas/common.ts';
import type { FlavorListQuery } from '../schemas/flavor.ts';
import type { HostListQuery, PciCapacity, PciCapacityQuery } from '../schemas/host.ts';
import type { ImageListQuery } from '../schemas/image.ts';
import { snapshotRef } from './answers.ts';
import { AdvisorError } from './errors.ts';
import { type KeyField, positionOf } from './lookup.ts';
import { contains, paginate, type Page } from './paging.ts';
import type { SnapshotRegistry } from './registry.ts';

/** What one list of the snapshot is keyed and filtered on. */
export interface InventoryView<Item extends object, Query extends PageQuery> {
  /** Singular noun for summaries and messages. */
  noun: string;
  key: KeyField;
  list(snapshot: CloudSnapshot): readonly Item[];
  matches(item: Item, query: Query): boolean;
}

export const FLAVORS: InventoryView<Flavor, FlavorListQuery> = {
  noun: 'flavor',
  key: 'id',
  list: (s) => s.flavors,
  matches: (f, q) =>
    contains(f.name, q.name) &&
    f.vcpus >= (q.min_vcpus ?? 0) &&
    f.ramMb >= (q.min_ram ?? 0) &&
    (q.extra_spec === undefined || q.extra_spec in f.extraSpecs),
};

export const IMAGES: InventoryView<Image, ImageListQuery> = {
  noun: 'image',
  key: 'id',
  list: (s) => s.images,
  matches: (i, q) =>
    contains(i.name, q.name) &&
    (q.os_distro === undefined || i.properties['os_distro'] === q.os_distro) &&
    (q.status === undefined || i.status === q.status),
};

export const HOSTS: InventoryView<Host, HostListQuery> = {
  noun: 'host',
  key: 'name',
  list: (s) => s.hosts,
  matches: (h, q) =>
    contains(h.name, q.name) &&
    (q.trait === undefined || h.traits.includes(q.trait)) &&
    (q.resource_class === undefined || h.pciProviders.some((p) => p.resourceClass === q.resource_class)),
};

/** The page of the view's items after `query.marker` that match the query's filters. */
export function listItems<Item extends object, Query extends PageQuery>(
  registry: SnapshotRegistry,
  view: InventoryView<Item, Query>,
  query: Query,
): Page<Item> & { snapshot: SnapshotRef } {
  const snapshot = registry.answering(query.cloud);
  const page = paginate(view.list(snapshot), { key: view.key, matches: (item) => view.matches(item, query), limit: query.limit, marker: query.marker });
  return { ...page, snapshot: snapshotRef(snapshot) };
}

/** The item whose key is `wanted`. */
export function getItem<Item extends object>(registry: SnapshotRegistry, view: InventoryView<Item, never>, wanted: string, cloud: string | undefined): Item {
  const items = view.list(registry.answering(cloud));
  const found = items[positionOf(items, view.key, wanted) ?? -1];
  if (!found) throw new AdvisorError('not_found', `no ${view.noun} with ${view.key} "${wanted}" in the snapshot`);
  return found;
}

// Neutron SR-IOV ports (vnic_type direct …) use devices with physical_network, which Nova does not report
// to Placement (domain.md §4.5): they are missing from these numbers.
const PCI_CAPACITY_NOTES = [
  'Devices whitelisted with physical_network (Neutron SR-IOV ports) are not reported to Placement and are not counted here.',
];

/** Free PCI devices / VFs per host and resource class, and totals per class, from the nested providers. */
export function pciCapacity(registry: SnapshotRegistry, query: PciCapacityQuery): PciCapacity {
  const { cloud, host: hostName, resource_class: rc } = query;
  const snapshot = registry.answering(cloud);
  const totals: PciCapacity['totals'] = {};
  const hosts = snapshot.hosts
    .filter((h) => hostName === undefined || h.name === hostName)
    .map((h) => {
      const providers = h.pciProviders
        .filter((p) => rc === undefined || p.resourceClass === rc)
        .map((p) => ({
          provider: p.name,
          uuid: p.uuid,
          resourceClass: p.resourceClass,
          traits: p.traits,
          capacity: inventoryCapacity(p.inventory),
          used: p.used,
          free: providerFree(p),
        }));
      const free: Record<string, number> = {};
      for (const p of providers) {
        free[p.resourceClass] = (free[p.resourceClass] ?? 0) + p.free;
        const total = (totals[p.resourceClass] ??= { capacity: 0, used: 0, free: 0 });
        total.capacity += p.capacity;
        total.used += p.used;
        total.free += p.free;
      }
      return { host: h.name, uuid: h.uuid, free, providers };
    })
    .filter((h) => h.providers.length > 0);
  return { hosts, totals, notes: PCI_CAPACITY_NOTES, snapshot: snapshotRef(snapshot) };
}
