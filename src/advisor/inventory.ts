// Read views of the current snapshot, as the API lists them: flavors, images and hosts paged by marker, one item
// by its key, and free PCI devices per host and resource class from the nested providers. Each for a caller:
// images and flavors as Glance and Nova list and show them to its project (visibility.ts), hosts and per-host
// figures only with host-level access (policy.ts).
import type { CloudSnapshot, Flavor, Host, Image, SnapshotRef } from '../model/index.ts';
import { inventoryCapacity, providerFree } from '../rules/index.ts';
import type { PageQuery } from '../schemas/common.ts';
import type { FlavorListQuery } from '../schemas/flavor.ts';
import type { HostListQuery, PciCapacity, PciCapacityQuery } from '../schemas/host.ts';
import type { ImageListQuery } from '../schemas/image.ts';
import { pciCapacityAggregate } from './aggregate.ts';
import { hostDetailNeeded } from './advice.ts';
import { snapshotRef } from './answers.ts';
import { AdvisorError } from './errors.ts';
import { type KeyField, positionOf } from './lookup.ts';
import { contains, paginate, type Page } from './paging.ts';
import type { Caller } from './policy.ts';
import type { SnapshotRegistry } from './registry.ts';
import { flavorListed, flavorView, flavorVisible, imageListed, imageView, imageVisible } from './visibility.ts';

/** What one list of the snapshot is keyed and filtered on. */
export interface InventoryView<Item extends object, Query extends PageQuery> {
  /** Singular noun for summaries and messages. */
  noun: string;
  key: KeyField;
  list(snapshot: CloudSnapshot): readonly Item[];
  matches(item: Item, query: Query): boolean;
  /** In the caller's default listing. */
  listed(item: Item, caller: Caller): boolean;
  /** Shown to the caller by key. */
  visible(item: Item, caller: Caller): boolean;
  /** The item as the caller may read it. */
  view(item: Item, caller: Caller): Item;
  /** Host-level data: only for callers with host-level access. */
  hostLevel: boolean;
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
  listed: flavorListed,
  visible: flavorVisible,
  view: flavorView,
  hostLevel: false,
};

export const IMAGES: InventoryView<Image, ImageListQuery> = {
  noun: 'image',
  key: 'id',
  list: (s) => s.images,
  matches: (i, q) =>
    contains(i.name, q.name) &&
    (q.os_distro === undefined || i.properties['os_distro'] === q.os_distro) &&
    (q.status === undefined || i.status === q.status),
  listed: imageListed,
  visible: imageVisible,
  view: imageView,
  hostLevel: false,
};

export const HOSTS: InventoryView<Host, HostListQuery> = {
  noun: 'host',
  key: 'name',
  list: (s) => s.hosts,
  matches: (h, q) =>
    contains(h.name, q.name) &&
    (q.trait === undefined || h.traits.includes(q.trait)) &&
    (q.resource_class === undefined || h.pciProviders.some((p) => p.resourceClass === q.resource_class)),
  listed: () => true,
  visible: () => true,
  view: (h) => h,
  hostLevel: true,
};

/** The page of the view's items after `query.marker` that match the query's filters. */
export function listItems<Item extends object, Query extends PageQuery>(
  registry: SnapshotRegistry,
  caller: Caller,
  view: InventoryView<Item, Query>,
  query: Query,
): Page<Item> & { snapshot: SnapshotRef } {
  if (view.hostLevel && !caller.hostDetail) throw hostDetailNeeded(`the ${view.noun} list`);
  const snapshot = registry.answering(query.cloud);
  const page = paginate(view.list(snapshot), {
    key: view.key,
    listed: (item) => view.listed(item, caller),
    matches: (item) => view.matches(item, query),
    limit: query.limit,
    marker: query.marker,
  });
  return { ...page, items: page.items.map((item) => view.view(item, caller)), snapshot: snapshotRef(snapshot) };
}

/** The item whose key is `wanted`. */
export function getItem<Item extends object>(
  registry: SnapshotRegistry,
  caller: Caller,
  view: InventoryView<Item, never>,
  wanted: string,
  cloud: string | undefined,
): Item {
  if (view.hostLevel && !caller.hostDetail) throw hostDetailNeeded(`a ${view.noun}`);
  const items = view.list(registry.answering(cloud));
  const found = items[positionOf(items, view.key, wanted) ?? -1];
  // One the caller may not see is answered like one that does not exist, as Glance and Nova answer it (404).
  if (!found || !view.visible(found, caller)) throw new AdvisorError('not_found', `no ${view.noun} with ${view.key} "${wanted}" in the snapshot`);
  return view.view(found, caller);
}

// Neutron SR-IOV ports (vnic_type direct …) use devices with physical_network, which Nova does not report
// to Placement (domain.md §4.5): they are missing from these numbers.
const PCI_CAPACITY_NOTES = [
  'Devices whitelisted with physical_network (Neutron SR-IOV ports) are not reported to Placement and are not counted here.',
];

/** Free PCI devices / VFs per host and resource class, and totals per class, from the nested providers. */
export function pciCapacity(registry: SnapshotRegistry, caller: Caller, query: PciCapacityQuery): PciCapacity {
  const { cloud, host: hostName, resource_class: rc } = query;
  // Naming a host asks for host-level data; totals alone are the aggregate answer.
  if (hostName !== undefined && !caller.hostDetail) throw hostDetailNeeded('PCI capacity of a named host');
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
  const capacity = { hosts, totals, notes: PCI_CAPACITY_NOTES, snapshot: snapshotRef(snapshot) };
  return caller.hostDetail ? capacity : pciCapacityAggregate(capacity);
}
